"""Who is calling and what they may do: tokens (ES256, rotating keys), /oauth/token with
its rate limits, session epochs of users and clients, and the one policy table that every
GraphQL field passes through. Guide: docs/identity.md."""
