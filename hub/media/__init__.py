"""Media: the blob port (filesystem, S3), uploads, assets and renditions.

What other subsystems use:
- `blobs.BlobStore` and `blobs.open_chunks(store, key, chunk_size)`: read media in
  chunks (channel plugins, e.g. the 抖音 chunked upload);
- `service.media_service(settings)`: the store, renditions and signed URLs;
- `assets.check_gov_alt(assets)`: the government portal's alt-text rule;
- `assets.AssetStore(scope).attach/detach/release_story`: story → asset references.
"""
