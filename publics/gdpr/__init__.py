"""GDPR as part of the product. `metadata`: every column's category, purpose and retention rule
(dbt `meta`, contracts) checked against the vocabulary seeds; `register`: the register of
processing and the data map, generated from them (`publics gdpr register`)."""
