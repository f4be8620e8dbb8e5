"""Error kinds of the media subsystem: uploads, signed URLs, assets and renditions."""

from __future__ import annotations

from hub.errors import ErrorKind


class MediaCodes:
    """Stable codes the upload endpoints and the media GraphQL part report."""

    MEDIA_TOO_LARGE = ErrorKind(
        "MEDIA_TOO_LARGE",
        "文件过大:超过上限 {limit} 字节,上传已中止。请压缩后重试,大视频请使用分片上传。",
        "The file is larger than the limit of {limit} bytes; the upload was stopped. "
        "Compress it, or use the resumable upload for large video.",
        413,
    )
    MEDIA_TYPE_UNSUPPORTED = ErrorKind(
        "MEDIA_TYPE_UNSUPPORTED",
        "不支持的文件类型:仅接受 JPEG、PNG、WebP、GIF 图片,MP4/MOV、WebM 视频,MP3、M4A 音频和 PDF 文档。",
        "Unsupported file type: only JPEG, PNG, WebP, GIF images, MP4/MOV and WebM video, "
        "MP3 and M4A audio and PDF documents are accepted.",
        415,
    )
    MEDIA_TYPE_MISMATCH = ErrorKind(
        "MEDIA_TYPE_MISMATCH",
        "文件名后缀与内容不符:文件名为 .{extension},但内容是 {detected}。请检查文件后重新上传。",
        "The file name says .{extension} but the content is {detected}; check the file and upload it again.",
        415,
    )
    MEDIA_URL_EXPIRED = ErrorKind(
        "MEDIA_URL_EXPIRED",
        "媒体链接已过期,请重新获取链接。",
        "The media link has expired; request a new link.",
        403,
    )
    MEDIA_URL_INVALID = ErrorKind(
        "MEDIA_URL_INVALID",
        "媒体链接无效(签名不符,可能被篡改或不完整)。",
        "The media link is invalid: its signature does not match (tampered or truncated).",
        403,
    )
    RANGE_NOT_SATISFIABLE = ErrorKind(
        "RANGE_NOT_SATISFIABLE",
        "请求的字节范围无效(文件大小 {size} 字节)。",
        "The requested byte range cannot be served (the file has {size} bytes).",
        416,
    )
    UPLOAD_OFFSET_MISMATCH = ErrorKind(
        "UPLOAD_OFFSET_MISMATCH",
        "分片位置不对:服务器已收到 {received} 字节,请从该位置继续上传(本次为 {offset})。",
        "Wrong part offset: the server has {received} bytes; resume from there (this part starts at {offset}).",
        409,
    )
    UPLOAD_INCOMPLETE = ErrorKind(
        "UPLOAD_INCOMPLETE",
        "上传尚未完成:已收到 {received} 字节,共 {size} 字节。",
        "The upload is not complete: {received} of {size} bytes received.",
        409,
    )
    UPLOAD_EXPIRED = ErrorKind(
        "UPLOAD_EXPIRED",
        "上传已过期:{idle_zh}没有继续,已收到的部分已被清理。请重新上传。",
        "The upload has expired: nothing arrived for {idle_en} and the parts received "
        "were removed. Start the upload again.",
        410,
    )
    DIRECT_UPLOAD_UNAVAILABLE = ErrorKind(
        "DIRECT_UPLOAD_UNAVAILABLE",
        "直传对象存储仅在使用 S3/MinIO 时可用,请改用分片上传。",
        "Direct upload to object storage needs the S3/MinIO backend; use the resumable upload.",
        409,
    )
    ASSET_IN_USE = ErrorKind(
        "ASSET_IN_USE",
        "该媒体资源仍被 {count} 篇稿件使用,不能删除。请先从这些稿件中移除。",
        "The asset is still used by {count} stories and cannot be deleted; remove it from them first.",
        409,
    )
    ALT_TEXT_REQUIRED = ErrorKind(
        "ALT_TEXT_REQUIRED",
        "图片 {id} 缺少替代文字(alt):政府网站要求每张图片都有文字说明,请补充后再发布。",
        "Image {id} has no alt text; the government portal requires a text alternative for every image.",
        400,
    )
    RENDITION_SPEC_INVALID = ErrorKind(
        "RENDITION_SPEC_INVALID",
        "衍生图规格无效:{reason_zh}",
        "Invalid rendition spec: {reason_en}",
        400,
    )
    RENDITION_UNSUPPORTED = ErrorKind(
        "RENDITION_UNSUPPORTED",
        "此类媒体({media_kind})不能生成衍生图,仅图片可以。",
        "Renditions can only be made from images, not {media_kind}.",
        400,
    )
    IMAGE_TOO_LARGE = ErrorKind(
        "IMAGE_TOO_LARGE",
        "图片(或视频画面)过大:约 {megapixels} 百万像素,超过上限 {limit} 百万像素。请缩小尺寸后重新上传。",
        "The picture is too large: {megapixels} megapixels, over the limit of {limit} megapixels. "
        "Scale it down and upload it again.",
        422,
    )
    IMAGE_TOO_MANY_FRAMES = ErrorKind(
        "IMAGE_TOO_MANY_FRAMES",
        "动图帧数过多:超过上限 {limit} 帧。请减少帧数,或改为视频上传。",
        "The animated image has more than {limit} frames; reduce them or upload it as a video.",
        422,
    )
    MEDIA_UNREADABLE = ErrorKind(
        "MEDIA_UNREADABLE",
        "文件已损坏或无法解析:{reason_zh}",
        "The file is damaged or cannot be read: {reason_en}",
        422,
    )
