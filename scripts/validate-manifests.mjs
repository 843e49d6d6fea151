// Validates Kubernetes objects (multi-document YAML files, or standard input) against the API schemas of a current
// Kubernetes release (npm kubernetes-models, and @kubernetes-models/prometheus-operator for ServiceMonitor and
// PrometheusRule): every object must be of a known kind, with the types, required fields and enumerations its schema
// gives. Prints one line per object; exits 1 naming each invalid object and the path of what is wrong.
//
//   node scripts/validate-manifests.mjs FILE...      (the packages from MODULES, .tools/node_modules by default)
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const modules = process.env.MODULES ?? join(dirname(fileURLToPath(import.meta.url)), "..", ".tools", "node_modules");
const yaml = createRequire(join(modules, "noop.js"))("js-yaml");

function modulePath(apiVersion, kind) {
  if (apiVersion === "monitoring.coreos.com/v1") return join(modules, "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1", `${kind}.js`);
  return join(modules, "kubernetes-models", apiVersion, `${kind}.js`);
}

const sources = process.argv.slice(2);
const texts = sources.length ? sources.map((f) => [f, readFileSync(f, "utf8")]) : [["-", readFileSync(0, "utf8")]];
let failures = 0;
let count = 0;
for (const [source, text] of texts) {
  for (const doc of yaml.loadAll(text)) {
    if (doc === null || doc === undefined) continue;
    count++;
    const name = `${source}: ${doc.kind}/${doc.metadata?.name}`;
    let model;
    const file = typeof doc.apiVersion === "string" && /^[a-z0-9.]*\/?v[0-9a-z]+$/.test(doc.apiVersion) && /^[A-Za-z]+$/.test(doc.kind ?? "")
      ? modulePath(doc.apiVersion, doc.kind) : null;
    model = file && existsSync(file) ? (await import(pathToFileURL(file).href))[doc.kind] : undefined;
    if (!model) {
      console.error(`${name}: ${doc.apiVersion} ${doc.kind} is not a kind of the Kubernetes API (or prometheus-operator's)`);
      failures++;
      continue;
    }
    try {
      new model(doc).validate();
      console.log(`valid: ${name}`);
    } catch (e) {
      console.error(`${name}: ${e.message}`);
      failures++;
    }
  }
}
if (count === 0) {
  console.error("no objects to validate");
  process.exit(1);
}
process.exit(failures ? 1 : 0);
