import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, it } from "node:test";
import { listFiles, pulumiOk, PULUMI_VERSION, REPO, removeSandbox, requireToolchain, sandbox } from "./support";

describe("the plugin's schema and the generated SDKs", () => {
    it("pulumi package get-schema <plugin> prints exactly schema.json", () => {
        const sb = sandbox("schema");
        try {
            // The plugin executable (a directory argument is taken for an installable package, not a plugin dir).
            const served = pulumiOk(sb, sb.work, "package", "get-schema", path.join(REPO, "pulumi-resource-cloudengine")).stdout;
            assert.deepEqual(JSON.parse(served), JSON.parse(fs.readFileSync(path.join(REPO, "schema.json"), "utf8")));
            // Byte for byte too, against the CLI's own rendering of the checked-in file.
            assert.equal(served, pulumiOk(sb, sb.work, "package", "get-schema", path.join(REPO, "schema.json")).stdout);
        } finally {
            removeSandbox(sb);
        }
    });

    it("sdk/ is exactly what npm run gen-sdk generates from schema.json (run it after changing the schema)", () => {
        requireToolchain();
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "ce-engine-sdk-"));
        try {
            const r = spawnSync("bash", [path.join(REPO, "scripts", "gen-sdk.sh"), "--out", out], { encoding: "utf8" });
            assert.equal(r.status, 0, `gen-sdk failed:\n${r.stdout}\n${r.stderr}`);
            for (const language of ["python", "go"]) {
                const generated = listFiles(path.join(out, language));
                // pip and go may leave build files in sdk/python (ignored by its .gitignore): compare generated files only.
                const checkedIn = listFiles(path.join(REPO, "sdk", language)).filter((f) => !/(^|\/)(build|dist|__pycache__|[^/]*\.egg-info)\//.test(f));
                assert.deepEqual(checkedIn, generated, `files of sdk/${language}`);
                for (const file of generated) {
                    assert.ok(fs.readFileSync(path.join(out, language, file)).equals(fs.readFileSync(path.join(REPO, "sdk", language, file))), `sdk/${language}/${file} differs from what gen-sdk writes`);
                }
            }
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    it("the Go SDK compiles against github.com/pulumi/pulumi/sdk/v3 at the pinned version", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ce-engine-gosdk-"));
        try {
            const modulePath = /^module (\S+)/m.exec(fs.readFileSync(path.join(REPO, "sdk", "go", "go.mod"), "utf8"))![1];
            const importBase = JSON.parse(fs.readFileSync(path.join(REPO, "schema.json"), "utf8")).language.go.importBasePath;
            fs.writeFileSync(path.join(dir, "go.mod"), `module cloudengine.local/sdkcheck\n\ngo 1.25\n\nrequire (\n\t${modulePath} v0.0.0\n\tgithub.com/pulumi/pulumi/sdk/v3 v${PULUMI_VERSION}\n)\n\nreplace ${modulePath} => ${path.join(REPO, "sdk", "go")}\n`);
            fs.writeFileSync(path.join(dir, "main.go"), `package main

import (
	"${importBase}"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		group, err := cloudengine.NewEnvGroup(ctx, "shared", &cloudengine.EnvGroupArgs{
			Variables: pulumi.StringMap{"GREETING": pulumi.String("hello")},
			Secrets:   pulumi.StringMap{"TOKEN": pulumi.ToSecret(pulumi.String("x")).(pulumi.StringOutput)},
		})
		if err != nil {
			return err
		}
		ctx.Export("names", group.Names)
		return nil
	})
}
`);
            const env = { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod", GONOSUMDB: "github.com/pulumi" };
            for (const args of [["mod", "tidy"], ["build", "./..."], ["vet", "./..."], ["build", `${importBase}/...`]]) {
                const r = spawnSync("go", args, { cwd: dir, env, encoding: "utf8" });
                assert.equal(r.status, 0, `go ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
