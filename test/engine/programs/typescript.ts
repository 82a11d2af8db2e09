// The TypeScript program of test/engine, an Automation API inline program using the package
// directly, run in its own process: node typescript.js <work dir> <preview|up> with the program in
// CE_PROGRAM (see ../programs.ts) and the toolchain directory in CE_TOOLCHAIN. Prints one JSON line.
// In a process of its own because an inline program that throws (a ConfigError) leaves rejected
// promises inside @pulumi/pulumi that surface after the Automation API stops listening for them;
// the engine has reported the error by then, so this process ignores them.
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { EnvGroup, LeanCacheInstance } from "../../../provider";
import type { Spec } from "../programs";

process.on("unhandledRejection", () => undefined);

async function main(): Promise<void> {
    const [workDir, action] = process.argv.slice(2);
    const spec: Spec = JSON.parse(process.env.CE_PROGRAM ?? "{}");
    const program = async () => {
        const outputs: Record<string, pulumi.Output<unknown>> = {};
        for (const [name, g] of Object.entries(spec.groups ?? {})) {
            const group = new EnvGroup(name, { variables: g.variables, secrets: g.secrets });
            outputs[`${name}Names`] = group.names;
            outputs[`${name}Variables`] = group.variables;
        }
        for (const [name, args] of Object.entries(spec.caches ?? {})) new LeanCacheInstance(name, args as never);
        return outputs;
    };
    const pulumiCommand = await PulumiCommand.get({ root: process.env.CE_TOOLCHAIN!, skipVersionCheck: true });
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: "dev", projectName: "ce-typescript", program },
        { workDir, pulumiCommand, projectSettings: { name: "ce-typescript", runtime: "nodejs" } },
    );
    let log = "";
    const onOutput = (s: string) => (log += s);
    try {
        if (action === "preview") {
            await stack.preview({ onOutput });
            console.log(JSON.stringify({ ok: true, log }));
        } else {
            const result = await stack.up({ onOutput });
            console.log(JSON.stringify({ ok: true, log, outputs: Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value])) }));
        }
    } catch (error) {
        console.log(JSON.stringify({ ok: false, log, error: String(error) }));
    }
}

main().then(() => process.exit(0), (error) => {
    console.log(JSON.stringify({ ok: false, log: "", error: String(error) }));
    process.exit(0);
});
