"""Browser assets the hub serves itself (vendored, see vendor/README.md): nothing from CDNs."""
