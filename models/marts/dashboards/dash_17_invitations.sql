{#- Dataset of dashboard 17 « Relations publiques & invitations »: do invitations pay off? One
    row per season, show, invitee category, match rule (e-mail, name and postcode, none: the
    unmatched invitations are counted apart) and the invitee's history (buyer before the
    invitation or not), counting invitation lines (an invitee at a performance) and seats, and:
    - attendance: among the invitations of past performances whose invitation tickets are found
      in the ticketing (EXONERE tickets of the matched invitee for that day), those with a ticket
      scanned at the door; the lists' own « Présent » column beside it;
    - conversion: among the matched invitations whose 12 months after the performance are over
      (var `return_window_months`), those whose invitee placed a paid order within them; a more
      recent invitation is « trop récent » (null, never 0). No individual row. -#}
{%- set months = var('return_window_months', 12) -%}
with invitations as (
    select * from {{ ref('fct_invitations') }}
),

as_of as (
    select as_of_date from {{ ref('int_persons__as_of') }}
),

invitation_tickets as (
    select buyer_person_key as person_key, performance_date,
        count(*) as tickets, max(case when is_scanned then 1 else 0 end) = 1 as has_scanned_ticket
    from {{ ref('fct_tickets') }}
    where tariff_category = 'exonere' and not is_cancelled and buyer_person_key is not null
    group by buyer_person_key, performance_date
),

purchases as (
    select person_key, order_date from {{ ref('int_persons__purchases') }}
),

-- The invitee's purchases around each invitation, one grouped join (a correlated subquery per
-- invitation scanned every purchase twice per line: 85 s for 1,277 lines at scale 1).
purchase_flags as (
    select
        invitations.invitation_key,
        max(case
            when purchases.order_date > invitations.performance_date
                and purchases.order_date <= {{ dbt.dateadd('month', months, 'invitations.performance_date') }}
                then 1 else 0
        end) = 1 as bought_within_12_months,
        max(case when purchases.order_date <= invitations.performance_date then 1 else 0 end) = 1
            as bought_before
    from invitations
    inner join purchases on purchases.person_key = invitations.person_key
    group by invitations.invitation_key
),

flagged as (
    select
        invitations.*,
        -- past: before the as-of date (the latest order delivered), or proven by a scan at the door
        invitations.performance_date <= as_of.as_of_date or coalesce(invitation_tickets.has_scanned_ticket, false)
            as is_past,
        invitation_tickets.person_key is not null as has_ticket,
        coalesce(invitation_tickets.has_scanned_ticket, false) as has_scanned_ticket,
        invitations.is_matched_person
            and {{ dbt.dateadd('month', months, 'invitations.performance_date') }} <= as_of.as_of_date
            as is_conversion_judgeable,
        coalesce(purchase_flags.bought_within_12_months, false) as bought_within_12_months,
        coalesce(purchase_flags.bought_before, false) as bought_before
    from invitations
    cross join as_of
    left join invitation_tickets
        on invitation_tickets.person_key = invitations.person_key
        and invitation_tickets.performance_date = invitations.performance_date
    left join purchase_flags on purchase_flags.invitation_key = invitations.invitation_key
)

select
    flagged.season,
    flagged.show_name,
    flagged.invitation_category,
    coalesce(max(categories.invitation_category_label), 'Autres invités') as invitation_category_label,
    flagged.match_rule,
    case flagged.match_rule
        when 'email' then 'Rapprochée (e-mail)'
        when 'nom_code_postal' then 'Rapprochée (nom et code postal)'
        else 'Non rapprochée'
    end as match_rule_label,
    case
        when not flagged.is_matched_person then 'Invité non rapproché'
        when flagged.bought_before then 'Déjà acheteur'
        else 'Jamais acheteur avant'
    end as invitee_history,
    count(*) as invitations,
    sum(flagged.seats) as seats,
    sum(case when flagged.is_matched_person then 1 else 0 end) as invitations_matched,
    sum(case when flagged.is_past and flagged.has_ticket then 1 else 0 end) as invitations_with_ticket,
    sum(case when flagged.is_past and flagged.has_scanned_ticket then 1 else 0 end) as invitations_scanned,
    sum(case when flagged.attended is not null then 1 else 0 end) as invitations_with_declared_presence,
    sum(case when flagged.attended then 1 else 0 end) as invitations_declared_present,
    sum(case when flagged.is_conversion_judgeable then 1 else 0 end) as invitations_conversion_judgeable,
    sum(case when flagged.is_conversion_judgeable and flagged.bought_within_12_months then 1 else 0 end) as invitations_converted_12m,
    sum(case when flagged.is_matched_person and not flagged.is_conversion_judgeable then 1 else 0 end) as invitations_too_recent
from flagged
left join {{ ref('invitation_categories') }} as categories
    on categories.invitation_category = flagged.invitation_category
group by flagged.season, flagged.show_name, flagged.invitation_category, flagged.match_rule,
    case
        when not flagged.is_matched_person then 'Invité non rapproché'
        when flagged.bought_before then 'Déjà acheteur'
        else 'Jamais acheteur avant'
    end
