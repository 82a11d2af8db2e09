// The Docker provider as the engine sees it, without Docker: it accepts every resource's inputs,
// reports every resource as changed, and "creates" one by echoing its inputs. Each call is
// appended to $CE_DOCKER_STUB_LOG as "<call> <urn>", so a test can tell what the engine asked of
// the provider (a preview checks and diffs; only an update creates). Plain JavaScript, outside
// the TypeScript build: node --test must not run it as a test file.
const fs = require("fs");
const provider = require("@pulumi/pulumi/provider");

const note = (call, urn) => process.env.CE_DOCKER_STUB_LOG && fs.appendFileSync(process.env.CE_DOCKER_STUB_LOG, `${call} ${urn}\n`);

provider
    .main(
        {
            version: require("@pulumi/docker/package.json").version,
            async check(urn, _olds, news) {
                note("check", urn);
                return { inputs: news };
            },
            async diff(_id, urn) {
                note("diff", urn);
                return { changes: true };
            },
            async create(urn, inputs) {
                note("create", urn);
                return { id: `stub-${urn.split("::").pop()}`, outs: inputs };
            },
            async update(_id, urn, _olds, news) {
                note("update", urn);
                return { outs: news };
            },
            async delete(_id, urn) {
                note("delete", urn);
            },
        },
        process.argv.slice(2),
    )
    .catch((error) => {
        console.error(error instanceof Error ? error.message : String(error));
        process.exit(1);
    });
