{#- The measurement windows (int_quality__measurement_windows) as dashboards and the KPI checks
    read them, with the window in words. -#}
with windows as (
    select * from {{ ref('int_quality__measurement_windows') }}
)

select
    source,
    tool,
    data_from,
    data_to,
    data_days,
    measured_from,
    measured_to,
    is_overridden,
    is_attribution_web_tool,
    {{ measurement_window_label('mesure', 'measured_from', 'measured_to') }} as measurement_window_label
from windows
