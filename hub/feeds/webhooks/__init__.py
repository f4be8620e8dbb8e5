"""Webhook endpoints for partner subscriptions: Standard Webhooks push, in log order."""
