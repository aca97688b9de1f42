// SPDX-License-Identifier: BSD-3-Clause
/*
 * validate-openapi.mjs FILE...: validates OpenAPI documents (JSON or YAML).
 *
 * First @apidevtools/swagger-parser, the validator most OpenAPI tooling
 * builds on: the document must match the OpenAPI JSON schema of its
 * version and every $ref must resolve. For OpenAPI 3.x that is all
 * swagger-parser checks (its semantic checks cover Swagger 2.0 only), so
 * the rules of OpenAPI 3.0.3 a JSON schema cannot express follow here, on
 * the dereferenced document:
 *   - every {name} of a path template is declared as an `in: path`
 *     parameter of each of its operations (path-level or operation-level),
 *     with `required: true`, and no path parameter is declared that the
 *     template lacks ("Path Templating", "Parameter Object");
 *   - no parameter (name + location) is listed twice in one list;
 *   - no two paths differ only in their parameter names ("Paths Object");
 *   - operationIds are unique ("Operation Object").
 *
 * Prints one line per file, "valid FILE" or "invalid FILE: reason; ...",
 * and exits 1 when any file is invalid, 2 without arguments.
 *
 * Install its dependency first: npm ci --prefix tools/npm
 */
import SwaggerParser from "@apidevtools/swagger-parser";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function duplicates(list) {
	const seen = new Set();
	const dup = [];
	for (const p of list || []) {
		const key = `${p.in}:${p.name}`;
		if (seen.has(key)) dup.push(key);
		seen.add(key);
	}
	return dup;
}

function openapi3Rules(api) {
	const errs = [];
	const templates = new Map();
	const opIds = new Map();
	for (const [path, item] of Object.entries(api.paths || {})) {
		const norm = path.replace(/\{[^}/]*\}/g, "{}");
		if (templates.has(norm))
			errs.push(`paths ${templates.get(norm)} and ${path} differ only in parameter names`);
		else
			templates.set(norm, path);
		const names = [...path.matchAll(/\{([^}/]*)\}/g)].map((m) => m[1]);
		if (new Set(names).size !== names.length)
			errs.push(`${path}: a parameter name appears twice in the template`);
		for (const d of duplicates(item.parameters))
			errs.push(`${path}: parameter ${d} listed twice`);
		for (const m of METHODS) {
			const op = item[m];
			if (!op)
				continue;
			const where = `${m.toUpperCase()} ${path}`;
			for (const d of duplicates(op.parameters))
				errs.push(`${where}: parameter ${d} listed twice`);
			const params = new Map();
			for (const p of [...(item.parameters || []), ...(op.parameters || [])])
				params.set(`${p.in}:${p.name}`, p);
			for (const n of names) {
				const p = params.get(`path:${n}`);
				if (!p)
					errs.push(`${where}: path parameter {${n}} is not declared`);
				else if (p.required !== true)
					errs.push(`${where}: path parameter {${n}} lacks required: true`);
			}
			for (const p of params.values())
				if (p.in === "path" && !names.includes(p.name))
					errs.push(`${where}: declares path parameter ${p.name}, not in the template`);
			if (op.operationId !== undefined) {
				if (opIds.has(op.operationId))
					errs.push(`${where}: operationId ${op.operationId} also used by ${opIds.get(op.operationId)}`);
				else
					opIds.set(op.operationId, where);
			}
		}
	}
	return errs;
}

const files = process.argv.slice(2);
if (files.length === 0) {
	console.error("usage: node validate-openapi.mjs FILE...");
	process.exit(2);
}

let invalid = 0;
for (const file of files) {
	let errs;
	try {
		// A fresh parser per file: validate() dereferences in place.
		const api = await new SwaggerParser().validate(file);
		errs = api.openapi ? openapi3Rules(api) : [];
	} catch (err) {
		errs = [String(err && err.message ? err.message : err).replace(/\s+/g, " ").trim()];
	}
	if (errs.length) {
		invalid++;
		console.log(`invalid ${file}: ${errs.join("; ")}`);
	} else {
		console.log(`valid ${file}`);
	}
}
process.exit(invalid ? 1 : 0);
