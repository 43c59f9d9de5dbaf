// Starts Swagger UI on abaco's own OpenAPI document. Everything it loads is
// served by abaco itself: no CDN, and validatorUrl null so the spec is never
// sent to validator.swagger.io.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: true,
  tryItOutEnabled: false,
  displayRequestDuration: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
