// Boots the vendored Swagger UI on /api/docs with mm's own document. A file, not an inline
// script, so the page keeps the strict CSP. Signed-in browsers try requests with their session:
// state-changing calls echo the session's CSRF token, as every mm page does.
const root = document.getElementById("swagger-ui");
let csrf = null;
fetch("/api/auth/me", { credentials: "same-origin" })
  .then((r) => (r.ok ? r.json() : null))
  .then((me) => {
    csrf = me && me.csrf_token ? me.csrf_token : null;
  })
  .catch(() => {});

window.SwaggerUIBundle({
  url: root.dataset.url,
  domNode: root,
  deepLinking: true,
  requestInterceptor: (req) => {
    if (csrf && !["GET", "HEAD", "OPTIONS"].includes(req.method)) {
      req.headers["X-CSRF-Token"] = csrf;
    }
    return req;
  },
});
