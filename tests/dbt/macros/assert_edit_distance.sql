-- publics.edit_distance (Levenshtein) on the textbook cases and the budget workbook's near-misses:
-- an insertion, a deletion, a substitution, a swap (two edits), empty strings, accents (one
-- character each), identical names, null. Any row returned is a pair measured wrongly.
with cases (a, b, expected) as (
    values
        ('kitten', 'sitting', 3),
        ('flaw', 'lawn', 2),
        ('2025-26_conquete_boheme_tus', '2025-26_conquete_boheme_tous', 1),
        ('2025-26_conquete_boheme_tous', '2025-26_conquete_boheme_tus', 1),
        ('2025-26_conqute_carmen_jeunes', '2025-26_conquete_carmen_jeunes', 1),
        ('2025-26_conquete_carmen_jeunse', '2025-26_conquete_carmen_jeunes', 2),
        ('2025-26_conquete_carmen_tous', '2025-26_conquete_carmen_tous', 0),
        ('', 'abc', 3),
        ('abc', '', 3),
        ('', '', 0),
        ('opéra', 'opera', 1),
        ('abc', null, null),
        (null, 'abc', null)
),
measured as (
    select cases.*, {{ publics.edit_distance('cases.a', 'cases.b') }} as got
    from cases
)
select * from measured where got is distinct from expected
