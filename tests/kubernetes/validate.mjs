// Validates Kubernetes manifests against the API schemas of the kubernetes-models packages
// (Kubernetes' OpenAPI schemas and the Prometheus Operator's CRDs, compiled to validators), as
// strictly as `kubectl apply` with server-side field validation: a wrong type, a missing
// required field, and a field the schema does not know (a typo) are all errors.
//   node tests/kubernetes/validate.mjs DIR|FILE...
// Prints one line per document; exits 1 if any is invalid, 2 on bad usage.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, parse } from "yaml";

// apiVersion -> the package folder holding its kinds
function modulePath(apiVersion, kind) {
  if (apiVersion.startsWith("monitoring.coreos.com/")) {
    return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  }
  return `kubernetes-models/${apiVersion}/${kind}`;
}

// A view of `value` that records, per object, which keys the validator looked at.
function tracked(value, seen) {
  if (value === null || typeof value !== "object") return value;
  const keys = new Set();
  seen.set(value, keys);
  const children = new Map();
  return new Proxy(value, {
    get(target, key, receiver) {
      const child = Reflect.get(target, key, receiver);
      if (typeof key !== "string" || !Object.hasOwn(target, key)) return child;
      keys.add(key);
      if (child === null || typeof child !== "object") return child;
      if (!children.has(key)) children.set(key, tracked(child, seen));
      return children.get(key);
    },
    has(target, key) {
      if (typeof key === "string") keys.add(key);
      return Reflect.has(target, key);
    },
    // A map (labels, data...) is checked by going over all its keys.
    ownKeys(target) {
      for (const key of Reflect.ownKeys(target)) if (typeof key === "string") keys.add(key);
      return Reflect.ownKeys(target);
    },
  });
}

// Paths of the fields no schema looked at.
function unknownFields(value, seen, path, out) {
  if (Array.isArray(value)) {
    value.forEach((item, i) => unknownFields(item, seen, `${path}/${i}`, out));
  } else if (value !== null && typeof value === "object") {
    const looked = seen.get(value) ?? new Set();
    for (const key of Object.keys(value)) {
      if (looked.has(key)) unknownFields(value[key], seen, `${path}/${key}`, out);
      else out.push(`${path}/${key}`);
    }
  }
  return out;
}

async function check(doc) {
  const { apiVersion, kind } = doc ?? {};
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return ["a document without apiVersion and kind"];
  }
  let Model;
  try {
    Model = (await import(modulePath(apiVersion, kind)))[kind];
  } catch {
    return [`no schema for ${apiVersion} ${kind}`];
  }
  const model = new Model(doc);
  const seen = new WeakMap();
  try {
    Model.prototype.validate.call(tracked(model, seen));
  } catch (error) {
    return [error.message];
  }
  const errors = unknownFields(model, seen, "", []).map((path) => `unknown field ${path}`);
  // A ConfigMap's *.yaml entries must parse too.
  if (kind === "ConfigMap") {
    for (const [name, text] of Object.entries(doc.data ?? {})) {
      if (!name.endsWith(".yaml")) continue;
      try {
        parse(text);
      } catch (error) {
        errors.push(`data/${name} is not YAML: ${error.message.split("\n")[0]}`);
      }
    }
  }
  return errors;
}

function yamlFiles(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      const full = join(path, name);
      if (statSync(full).isDirectory()) return yamlFiles(full);
      return /\.ya?ml$/.test(name) ? [full] : [];
    });
}

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error("usage: node tests/kubernetes/validate.mjs DIR|FILE...");
  process.exit(2);
}
let failed = 0;
for (const file of paths.flatMap(yamlFiles)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    const doc = document.toJS();
    const what = `${file}: ${doc?.kind ?? "?"}/${doc?.metadata?.name ?? "?"}`;
    const errors = document.errors.length
      ? document.errors.map((error) => error.message.split("\n")[0])
      : await check(doc);
    if (errors.length === 0) {
      console.log(`valid   ${what}`);
    } else {
      failed += 1;
      for (const error of errors) console.log(`INVALID ${what}: ${error}`);
    }
  }
}
process.exit(failed ? 1 : 0);
