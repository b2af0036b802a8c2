{#- The web purchase funnel, defined once: its steps in order, what marks each in GA4 (an event
    name) and in Matomo (a page whose URL contains `matomo_url`), and its French label. The first
    step is every session (its landing), the last the session's purchase (a transaction of
    int_web__transactions, so that the funnel and the revenue agree). The var `web_funnel_urls`
    overrides the pages of the institution's site ({show_page: '/spectacles/', checkout:
    '/billetterie/panier'}). The funnel is closed, as GA4's funnel explorations are by default:
    a session is at step n when it reached every step before n; a session that skipped one (a
    purchase without a show page seen) stops before the step it skipped, and is flagged. -#}
{% macro web_funnel_steps() -%}
    {%- set urls = var('web_funnel_urls', {}) or {} -%}
    {{ return([
        {'number': 1, 'step': 'landing', 'label': "Arrivée sur le site", 'ga4_event': none, 'matomo_url': none},
        {'number': 2, 'step': 'show_page', 'label': "Page d'un spectacle", 'ga4_event': 'view_item',
         'matomo_url': urls.get('show_page', '/spectacles/')},
        {'number': 3, 'step': 'checkout', 'label': "Panier (begin_checkout)", 'ga4_event': 'begin_checkout',
         'matomo_url': urls.get('checkout', '/billetterie/panier')},
        {'number': 4, 'step': 'purchase', 'label': "Achat", 'ga4_event': 'purchase', 'matomo_url': none},
    ]) }}
{%- endmacro %}

{#- The steps between the landing and the purchase: those a session's events or actions mark
    (a `reached_<step>_at` column in the sessions). -#}
{% macro web_funnel_page_steps() -%}
    {{ return(publics.web_funnel_steps()[1:-1]) }}
{%- endmacro %}

{#- The deepest step of the closed funnel a session reached (1 … 4), from the columns of a
    session row `relation` (reached_<step>_at, has_purchase). -#}
{% macro web_funnel_step_reached(relation) -%}
    {%- set steps = publics.web_funnel_steps() -%}
    {%- set reached = ['true'] -%}
    {%- for step in publics.web_funnel_page_steps() -%}
        {%- do reached.append(relation ~ '.reached_' ~ step.step ~ '_at is not null') -%}
    {%- endfor -%}
    {%- do reached.append('coalesce(' ~ relation ~ '.has_purchase, false)') -%}
    case
        {%- for k in range(steps | length, 1, -1) %}
        when {{ reached[:k] | join(' and ') }} then {{ k }}
        {%- endfor %}
        else 1
    end
{%- endmacro %}

{#- Whether a session reached a later step without an earlier one (a skipped step). -#}
{% macro web_funnel_step_skipped(relation) -%}
    {%- set reached = [] -%}
    {%- for step in publics.web_funnel_page_steps() -%}
        {%- do reached.append(relation ~ '.reached_' ~ step.step ~ '_at is not null') -%}
    {%- endfor -%}
    {%- do reached.append('coalesce(' ~ relation ~ '.has_purchase, false)') -%}
    (false
    {%- for later in range(1, reached | length) %}
        {%- for earlier in range(0, later) %}
        or ({{ reached[later] }} and not ({{ reached[earlier] }}))
        {%- endfor %}
    {%- endfor %})
{%- endmacro %}
