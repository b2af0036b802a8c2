{#- The day the sales are known as of: today in the institution's time zone (var `today`, or
    PUBLICS_TODAY, to replay a day), as the nightly build after the SecuTix exports sees them.
    A performance from that day on is upcoming; its curve stops at that day. One row. -#}
select {{ local_today() }} as as_of_date
