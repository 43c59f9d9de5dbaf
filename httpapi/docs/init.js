// Starts Swagger UI on abaco's own OpenAPI document. Everything it loads is
// served by abaco itself: no CDN, and validatorUrl null so the spec is never
// sent to validator.swagger.io.
"use strict";

// indentJSON pretty-prints JSON text as JSON.stringify(JSON.parse(text),
// null, "  ") would, except that numbers keep the text the server sent:
// JSON.parse turns 2**100 into a double and shows 1.2676506002282294e+30,
// while abaco's integers are exact at any size. It returns null for text
// that is not JSON, so the caller can fall back to Swagger UI's own view.
function indentJSON(text) {
  try {
    JSON.parse(text); // only valid JSON is re-indented
  } catch (e) {
    return null;
  }
  const out = [];
  let depth = 0;
  const newline = () => "\n" + "  ".repeat(depth);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      // Strings as JSON.stringify writes them (escapes normalized).
      out.push(JSON.stringify(JSON.parse(text.slice(i, j + 1))));
      i = j;
    } else if (c === "{" || c === "[") {
      let j = i + 1;
      while (/\s/.test(text[j])) j++;
      if (text[j] === "}" || text[j] === "]") {
        out.push(c + text[j]); // empty: {} or [], as JSON.stringify writes them
        i = j;
        continue;
      }
      depth++;
      out.push(c + newline());
    } else if (c === "}" || c === "]") {
      depth--;
      out.push(newline() + c);
    } else if (c === ",") {
      out.push("," + newline());
    } else if (c === ":") {
      out.push(": ");
    } else if (!/\s/.test(c)) {
      out.push(c); // numbers, true, false, null: as sent
    }
  }
  return out.join("");
}

// ExactNumbers replaces the JSON branch of Swagger UI's response body view
// (which round-trips the body through JSON.parse) with indentJSON's text,
// shown by the same HighlightCode component, so the page shows what the
// server answered. Other bodies go to Swagger UI's own view.
function ExactNumbers() {
  return {
    wrapComponents: {
      responseBody: (Original, system) => (props) => {
        const h = system.React.createElement;
        const text = typeof props.content === "string" && /json/i.test(props.contentType || "")
          ? indentJSON(props.content) : null;
        if (text === null) {
          return h(Original, props);
        }
        const HighlightCode = props.getComponent("HighlightCode", true);
        return h("div", null,
          h("h5", null, "Response body"),
          h(HighlightCode, {
            language: "json", downloadable: true, canCopy: true,
            fileName: "response_" + Date.now() + ".json",
          }, text));
      },
    },
  };
}

// docsLang is the language of the API's descriptions: ?lang= of the page
// (pt-BR, pt, en), else the browser's first language. Portuguese loads
// /openapi.json?lang=pt-BR.
function docsLang() {
  const asked = new URLSearchParams(window.location.search).get("lang")
    || (navigator.languages && navigator.languages[0]) || navigator.language || "";
  return /^pt(-|$)/i.test(asked) ? "pt-BR" : "en";
}

window.ui = SwaggerUIBundle({
  url: docsLang() === "pt-BR" ? "/openapi.json?lang=pt-BR" : "/openapi.json",
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: true,
  tryItOutEnabled: false,
  displayRequestDuration: true,
  presets: [SwaggerUIBundle.presets.apis],
  plugins: [ExactNumbers],
  layout: "BaseLayout",
});
