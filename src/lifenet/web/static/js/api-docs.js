// Starts the OpenAPI explorer from LifeNet's own copy of Swagger UI (no CDN on hospital intranets).
window.addEventListener("DOMContentLoaded", function () {
  var node = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: node.dataset.openapiUrl, dom_id: "#swagger-ui", deepLinking: true });
});
