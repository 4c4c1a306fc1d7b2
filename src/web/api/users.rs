//! `/api/users`: an admin lists accounts, creates one, and changes a role or status.

use super::openapi::{BadBody, Clash, Denied, Missing};
use crate::audit::Entry;
use crate::auth::accounts::{self, Change, NewAccount, UserView};
use crate::auth::password::Password;
use crate::auth::{Auth, Role, UserStatus, perm};
use crate::db::models::users;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(update);
}

#[derive(Serialize, ToSchema)]
struct Users {
    users: Vec<UserView>,
}

/// `GET /api/users`.
#[utoipa::path(
    operation_id = "users_list",
    tag = "users",
    responses((status = 200, description = "Every account.", body = Users), Denied),
    security(("session" = []), ("bearer" = ["users:manage"])),
)]
#[get("/users")]
#[tracing::instrument(skip_all)]
async fn list(st: web::Data<AppState>, _: Auth<perm::UsersManage>) -> ApiResult<HttpResponse> {
    let all = st.db.run(users::list).await?;
    let users: Vec<UserView> = all.iter().map(UserView::from).collect();
    Ok(HttpResponse::Ok().json(Users { users }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    email: String,
    display_name: Option<String>,
    role: Role,
    /// The initial password; the user changes it later.
    #[schema(value_type = String)]
    password: Password,
}

/// `POST /api/users {email, display_name?, role, password}` -> 201 with the user.
#[utoipa::path(
    operation_id = "users_create",
    tag = "users",
    responses((status = 201, description = "The new account.", body = UserView), BadBody, Denied, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["users:manage"])),
)]
#[post("/users")]
#[tracing::instrument(skip_all)]
async fn create(
    st: web::Data<AppState>,
    auth: Auth<perm::UsersManage>,
    body: web::Json<CreateBody>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let user = accounts::create_user(
        &st,
        NewAccount {
            email: b.email,
            display_name: b.display_name,
            role: b.role,
            password: b.password,
        },
        Entry::by(&auth, "user.create"),
    )
    .await?;
    Ok(HttpResponse::Created().json(UserView::from(&user)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    role: Option<Role>,
    status: Option<UserStatus>,
}

/// `PATCH /api/users/{id} {role?, status?}`: disabling ends the user's sessions and tokens
/// at once; the last active admin cannot be demoted or disabled.
#[utoipa::path(
    operation_id = "users_update",
    tag = "users",
    responses(
        (status = 200, description = "The changed account.", body = UserView),
        BadBody, Denied, Missing, Clash,
    ),
    security(("session" = [], "csrf" = []), ("bearer" = ["users:manage"])),
)]
#[patch("/users/{id}")]
#[tracing::instrument(skip_all, fields(user_id = %id))]
async fn update(
    st: web::Data<AppState>,
    auth: Auth<perm::UsersManage>,
    id: web::Path<Uuid>,
    body: web::Json<UpdateBody>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    if b.role.is_none() && b.status.is_none() {
        return Err(AppError::bad_request(
            "empty-change",
            "Send a role, a status, or both.",
        ));
    }
    let change = Change {
        role: b.role,
        status: b.status,
    };
    let user = accounts::change_user(&st, &auth, id.into_inner(), change).await?;
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}
