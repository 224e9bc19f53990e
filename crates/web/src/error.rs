//! API errors: a status, a machine code and a message in English and Chinese.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use zhicheng_engine::Error;

/// An error answer: `{"error":{"code","message","message_zh"}}`. `message_zh` is the Chinese
/// summary of the code followed by the English detail (the engine's messages name fields and
/// values, which a user needs to fix the request), e.g. `数据不合法：invalid res: must be 4 to 10`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    message_zh: String,
}

impl ApiError {
    /// The same error under another code and Chinese summary (e.g. a failed sign-in).
    pub(crate) fn recode(mut self, code: &'static str, message_zh: &'static str) -> ApiError {
        self.code = code;
        self.message_zh = message_zh.to_string();
        self
    }

    /// A 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message_zh: format!("请求有误：{message}"),
            message,
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let (status, code, zh) = match &e {
            Error::Unauthenticated(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "未登录或登录已过期",
            ),
            Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "无权执行此操作"),
            Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", "未找到"),
            Error::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", "数据不合法"),
            Error::Conflict(_) => (StatusCode::CONFLICT, "conflict", "与现有数据冲突"),
            Error::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "服务暂不可用",
            ),
            Error::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", "文件过大"),
            Error::UnsupportedType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_type",
                "文件类型不支持",
            ),
            Error::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "store", "存储出错"),
        };
        if status.is_server_error() {
            tracing::error!(error = %e, "request failed");
        }
        ApiError {
            status,
            code,
            message_zh: format!("{zh}：{e}"),
            message: e.to_string(),
        }
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        ApiError::bad_request(e.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::bad_request(e.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({"error": {"code": self.code, "message": self.message, "message_zh": self.message_zh}})),
        )
            .into_response()
    }
}
