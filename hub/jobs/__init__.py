"""Durable background work: the outbox relay, a leased job queue and the worker.

Any number of worker processes may run: a job is claimed with an atomic
find-and-update that sets a lease; a crashed worker's lease expires and the job is
claimed again. Handlers must therefore be idempotent (deliveries carry idempotency
keys). Jobs are also how due times are kept durable (scheduled publishing): a job
with a future `ready_at` survives restarts.
"""
