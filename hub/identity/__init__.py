"""Who is calling and what they may do. Guide: docs/identity.md.

Who: tenants (centers), 融媒号 accounts, users, OAuth clients and their credentials
(directory.py, clients.py, passwords.py, documents.py; the rules without I/O in
client_rules.py and throttle_rules.py). How they prove it: tokens (ES256 with rotating
keys: tokens.py, jwt.py, keys.py), /oauth/token with its rate limits (oauth.py, grants.py,
ratelimit.py, throttle.py), sign-in through a center's own OIDC provider (oidc.py), the
session epochs of users and clients (state.py). What they may do: the one policy table
every GraphQL field passes through (policy.py).
"""
