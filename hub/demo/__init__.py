"""The fictional demo center 示例区融媒体中心 and its content (the project's own writing)."""
