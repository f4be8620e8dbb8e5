"""Errors of partner subscriptions and feeds, worded for the people who can fix them."""

from hub.errors import ErrorKind


class FeedCodes:
    SUBSCRIPTION_NOT_FOUND = ErrorKind(
        "FEED_SUBSCRIPTION_NOT_FOUND",
        "找不到订阅 {subscription_id}(或它不属于当前客户端),请核对订阅编号。",
        "No subscription {subscription_id} for this client.",
        404,
    )
    SUBSCRIPTION_DISABLED = ErrorKind(
        "FEED_SUBSCRIPTION_DISABLED",
        "订阅 {subscription_id} 已停用,请联系融媒体中心管理员重新启用或新建订阅。",
        "Subscription {subscription_id} is disabled.",
        410,
    )
    FORMAT_NOT_SUBSCRIBED = ErrorKind(
        "FEED_FORMAT_NOT_SUBSCRIBED",
        "订阅 {subscription_id} 未包含格式 {format}(已订阅:{formats}),请在订阅中添加该格式。",
        "Subscription {subscription_id} does not include the format {format} (it has: {formats}).",
        404,
    )
    BAD_CURSOR = ErrorKind(
        "FEED_BAD_CURSOR",
        "游标参数 after 必须是不小于 0 的整数(上一页返回的序号),收到:{after}。",
        "The cursor `after` must be a non-negative integer (a sequence number from a previous page); got {after}.",
        400,
    )
    PARTNER_ONLY = ErrorKind(
        "FEED_PARTNER_ONLY",
        "订阅源只供合作方客户端读取:请用客户端凭据(client_credentials)换取访问令牌后再请求。",
        "Feeds are read by partner clients: use an access token from the client_credentials grant.",
        403,
    )
    TENANT_NOT_ALLOWED = ErrorKind(
        "FEED_TENANT_NOT_ALLOWED",
        "该客户端无权订阅中心 {tenant} 的稿件,只能选择:{allowed}。",
        "This client may not select the tenant {tenant}; it may select: {allowed}.",
        403,
    )
    CLIENT_NOT_FOUND = ErrorKind(
        "FEED_CLIENT_NOT_FOUND",
        "找不到合作方客户端 {client_id},请先用 ronghub client create 创建客户端。",
        "No partner client {client_id}.",
        404,
    )
    CLIENT_DISABLED = ErrorKind(
        "FEED_CLIENT_DISABLED",
        "合作方客户端 {client_id} 已停用,不能新建或修改其订阅:请先启用合作方(enableClient)。",
        "Partner client {client_id} is disabled; enable it (enableClient) before changing its subscriptions.",
        409,
    )
    INVALID_SUBSCRIPTION = ErrorKind(
        "FEED_INVALID_SUBSCRIPTION",
        "订阅设置有误:{reason_zh}",
        "Invalid subscription: {reason_en}",
        400,
    )
    SUBSCRIPTION_CHANGED = ErrorKind(
        "FEED_SUBSCRIPTION_CHANGED",
        "订阅已被修改(当前版本 {current},你修改的是版本 {expected}),请刷新后再改。",
        "The subscription changed meanwhile (current version {current}, you edited {expected}); reload and retry.",
        409,
    )
