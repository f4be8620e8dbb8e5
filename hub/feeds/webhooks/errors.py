"""Errors of webhook endpoints, worded for the center's administrator who manages partners."""

from hub.errors import ErrorKind


class WebhookCodes:
    ENDPOINT_NOT_FOUND = ErrorKind(
        "WEBHOOK_ENDPOINT_NOT_FOUND",
        "找不到推送地址 {id}(可能已删除,或不属于本中心)。",
        "Webhook endpoint {id} not found.",
        404,
    )
    SUBSCRIPTION_NOT_FOUND = ErrorKind(
        "WEBHOOK_SUBSCRIPTION_NOT_FOUND",
        "找不到订阅 {id},请先为合作方建立订阅,再添加推送地址。",
        "Subscription {id} not found; create the partner's subscription first.",
        404,
    )
    URL_BLOCKED = ErrorKind(
        "WEBHOOK_URL_BLOCKED",
        "推送地址 {url} 不能使用:{reason_zh}请填写合作方可从公网访问的 http(s) 地址。",
        "Webhook URL {url} is refused: {reason_en}",
        400,
    )
    CONFLICT = ErrorKind(
        "WEBHOOK_CONFLICT",
        "推送地址刚被他人或推送任务修改,请刷新后重试。",
        "The webhook endpoint changed meanwhile; reload and try again.",
        409,
    )
    DELIVERY_NOT_FOUND = ErrorKind(
        "WEBHOOK_DELIVERY_NOT_FOUND",
        "找不到推送记录 {id}。",
        "Webhook delivery {id} not found.",
        404,
    )
    ENDPOINT_DISABLED = ErrorKind(
        "WEBHOOK_ENDPOINT_DISABLED",
        "推送地址已停用({reason_zh}),请先启用后再重新推送。",
        "The webhook endpoint is disabled ({reason}); enable it before replaying.",
        409,
    )
    TEST_TOO_SOON = ErrorKind(
        "WEBHOOK_TEST_TOO_SOON",
        "刚刚已向这个推送地址发送过测试事件,请 {seconds} 秒后再试。",
        "A test event was sent to this endpoint moments ago; try again in {seconds} seconds.",
        429,
    )
    BAD_INPUT = ErrorKind(
        "WEBHOOK_BAD_INPUT",
        "推送设置有误:{reason_zh}",
        "Invalid webhook setting: {reason_en}",
        400,
    )
    CLIENT_DISABLED = ErrorKind(
        "WEBHOOK_CLIENT_DISABLED",
        "合作方客户端 {client_id} 已停用,其推送已暂停:请先启用合作方(enableClient),推送会从暂停处按顺序继续。",
        "Partner client {client_id} is disabled and its deliveries are paused; enable the client "
        "(enableClient) and they resume in order.",
        409,
    )
