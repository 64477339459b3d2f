// Starts Swagger UI on this service's own OpenAPI document. It lives in a file, not inline in the
// page, because the page's Content-Security-Policy allows only scripts served by this service.
window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // The default validator badge would call an outside service.
    validatorUrl: null,
    displayRequestDuration: true,
  });
};
