"""GDPR: the retention purge (`purge`), the data subjects' rights (`rights`: access, erasure) and
what they share (`files`: personal data in the quarantine folder and the cluster's log; `keys`:
the one hash of an e-mail address a tombstone keeps)."""
