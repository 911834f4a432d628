"""The network: org units (nation > province > city/county > hospital > unit), hospitals, users,
roles and role grants scoped to an org-unit subtree."""
