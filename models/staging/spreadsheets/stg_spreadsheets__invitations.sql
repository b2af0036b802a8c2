{#- Invitation lists kept by the press / partnerships teams: one row per invited person and
    performance, latest delivery of each. The invitee's name, e-mail and phone stay in raw:
    only their pseudonymous keys (same hashes as the ticketing contacts) leave it, to match
    invitees with contacts; their postcode (where the invitation is sent) leaves it too, to match
    an invitee without e-mail on name and postcode. The free-text comment never leaves raw. -#}
with source as (
    select * from {{ source('spreadsheets', 'invitations') }}
),

typed as (
    select
        {{ pseudonymise('email') }} as email_key,
        {{ publics.name_key('nom', 'prenom') }} as name_key,
        {{ publics.clean_postcode('code_postal') }} as postcode,
        lower({{ publics.fold_accents(clean_text('categorie')) }}) as invitation_category,
        {{ clean_text('organisation') }} as organisation,
        {{ clean_text('spectacle') }} as show_name,
        {{ parse_date_any('date_de_representation') }} as performance_date,
        {{ parse_integer('nombre_de_places') }} as seats,
        {{ parse_bool_fr('present') }} as attended,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('typed', "coalesce(email_key, name_key, ''), show_name, performance_date", '_loaded_at') }}
)

select
    {{ publics.surrogate_key(['email_key', 'name_key', 'show_name', 'performance_date']) }} as invitation_key,
    email_key,
    name_key,
    postcode,
    case
        when invitation_category like 'press%' then 'presse'
        when invitation_category like 'partenai%' then 'partenaire'
        when invitation_category like 'mecen%' then 'mecene'
        when invitation_category like 'pro%' then 'professionnel'
        else coalesce(invitation_category, 'autre')
    end as invitation_category,
    organisation,
    show_name,
    performance_date,
    {{ season_of('performance_date') }} as season,
    seats,
    attended,
    _source_file as source_file
from latest
