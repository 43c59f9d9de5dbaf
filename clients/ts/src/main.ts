// Drives a live abaco server through the client generated from its OpenAPI
// document (openapi-typescript types, openapi-fetch calls), so that the
// document's types are checked by tsc against real use and its answers
// against a real server. Usage: node dist/main.js http://127.0.0.1:8000
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

// Node's process, without pulling in @types/node for two members.
declare const process: { argv: string[]; exitCode?: number };

type Evaluation = components["schemas"]["Evaluation"];

const baseUrl = process.argv[2];
if (!baseUrl) {
  throw new Error("usage: node dist/main.js <base URL>");
}
const client = createClient<paths>({ baseUrl });
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
};

async function evaluate(expressao: string): Promise<Evaluation> {
  const { data, error, response } = await client.POST("/evaluate", { body: { expressao } });
  if (!data) {
    throw new Error(`evaluate ${expressao}: ${response.status} ${JSON.stringify(error)}`);
  }
  return data;
}

for (const [expressao, resultado, repr, tipo] of [
  ["2+2", 4, "4", "int"],
  ["0.1+0.2", 0.1 + 0.2, "0.30000000000000004", "float"],
  ["1<2", true, "True", "bool"],
] as const) {
  const e = await evaluate(expressao);
  check(e.resultado === resultado && e.repr === repr && e.tipo === tipo, `${expressao}: ${JSON.stringify(e)}`);
}

// JSON.parse reads resultado as a double, which rounds past 2^53; repr has
// every digit.
for (const [expressao, exact] of [
  ["2**53+1", 2n ** 53n + 1n],
  ["2**100+1", 2n ** 100n + 1n],
] as const) {
  const e = await evaluate(expressao);
  check(BigInt(e.repr) === exact, `${expressao}: repr ${e.repr}, want ${exact}`);
  check(typeof e.resultado === "number" && BigInt(e.resultado) !== exact, `${expressao}: resultado ${e.resultado} was expected to be rounded`);
}

{
  const { data, error, response } = await client.POST("/evaluate", { body: { expressao: "1/0" } });
  check(data === undefined && response.status === 422, `1/0: status ${response.status}`);
  check(error?.code === "division_by_zero" && error.status === 422 && error.request_id === response.headers.get("X-Request-Id"),
    `1/0: problem ${JSON.stringify(error)}`);
}

{
  const { data, response } = await client.POST("/evaluate/batch", { body: { expressoes: ["2**100", "1/0"] } });
  const [first, second] = data?.resultados ?? [];
  check(response.status === 200 && data?.resultados.length === 2 && first?.avaliacao?.repr === String(2n ** 100n) &&
    second?.erro?.code === "division_by_zero", `evaluate batch: ${response.status} ${JSON.stringify(data)}`);
}

{
  const { data, response } = await client.POST("/jobs", { body: { expressao: "2**64" } });
  if (!data || !("id" in data)) {
    throw new Error(`submit: ${response.status} ${JSON.stringify(data)}`);
  }
  check(response.status === 202 && response.headers.get("Location") === data.url && data.url === `/jobs/${data.id}`,
    `submit: ${response.status} Location ${response.headers.get("Location")}, ${JSON.stringify(data)}`);
  const job = await client.GET("/jobs/{id}", { params: { path: { id: data.id }, query: { wait: "5s" } } });
  check(job.data?.estado === "done" && job.data.avaliacao?.repr === "18446744073709551616",
    `job after a wait of 5s: ${job.response.status} ${JSON.stringify(job.data ?? job.error)}`);
}

if (failures.length > 0) {
  for (const f of failures) console.error(`FAIL ${f}`);
  process.exitCode = 1;
} else {
  console.log("ok");
}
