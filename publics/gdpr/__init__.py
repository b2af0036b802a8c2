"""GDPR as part of the product: the retention purge (`purge`), the data subjects' rights
(`rights`: access, erasure) and what they share (`files`: personal data in the quarantine folder
and the cluster's log; `keys`: the one keyed hash of an e-mail address a tombstone keeps);
`metadata`: every column's category, purpose and retention rule (dbt `meta`, contracts) checked
against the vocabulary seeds; `register`: the register of processing and the data map, generated
from them (`publics gdpr register`)."""
