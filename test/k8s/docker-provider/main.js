// A stand-in for the Docker provider plugin in the real engine, for the one resource the Kubernetes
// platform asks of it: docker:index/image:Image, built on the local Docker engine and pushed to the
// registry in imageName, with pulumi-docker v4's behaviour as the e2e harness models it
// (test/e2e/harness/image.ts): Check records a digest of the build context, so an unchanged context
// previews no change and a changed one an update (never a replacement); create and update build, then
// push unless skipPush, and report repoDigest = <repository>@<pushed digest> (skipPush: the image ID);
// delete leaves the image (as the provider does). Any other Docker resource is refused: the Kubernetes
// platform never makes one. Plain JavaScript, outside the TypeScript build (node --test must not run
// it); it loads the compiled harness from bin/ (npm run build first).
const path = require("path");
const Docker = require("dockerode");
const provider = require("@pulumi/pulumi/provider");
const { buildImage, contextDigest, pushImage } = require(path.join(__dirname, "..", "..", "..", "bin", "test", "e2e", "harness", "image.js"));

const IMAGE = "docker:index/image:Image";
const BUILD_TIMEOUT_MS = 20 * 60_000;
const docker = new Docker();

function typeOf(urn) {
    return urn.split("::")[2].split("$").pop();
}

function refuseOthers(urn) {
    if (typeOf(urn) !== IMAGE) throw new Error(`${typeOf(urn)}: the test stand-in of the Docker provider only builds images (${IMAGE})`);
}

async function realize(inputs) {
    const built = await buildImage(docker, inputs, { "cloudengine.test-image": "false" }, BUILD_TIMEOUT_MS);
    const repoDigest = inputs.skipPush === true ? built.outputs.repoDigest : await pushImage(docker, inputs.imageName);
    // Plain JSON: the provider protocol cannot carry undefined values (e.g. registryServer without a registry).
    return JSON.parse(JSON.stringify({ ...inputs, ...built.outputs, repoDigest }));
}

provider
    .main(
        {
            version: require("@pulumi/docker/package.json").version,
            async check(urn, _olds, news) {
                refuseOthers(urn);
                return { inputs: { ...news, contextDigest: contextDigest(news) } };
            },
            async diff(_id, urn, olds, news) {
                refuseOthers(urn);
                const keys = [...new Set([...Object.keys(news), ...Object.keys(olds)])].filter((k) => !["repoDigest", "baseImageName", "platform", "registryServer", "dockerfile", "context"].includes(k) || k in news);
                const changed = keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
                return { changes: changed.length > 0, diffs: changed, replaces: [], deleteBeforeReplace: false };
            },
            async create(urn, inputs) {
                refuseOthers(urn);
                const outs = await realize(inputs);
                return { id: inputs.imageName, outs };
            },
            async update(_id, urn, _olds, news) {
                refuseOthers(urn);
                return { outs: await realize(news) };
            },
            async read(id, urn, props) {
                refuseOthers(urn);
                return { id, props };
            },
            async delete() {},
        },
        process.argv.slice(2),
    )
    .catch((error) => {
        console.error(error instanceof Error ? error.message : String(error));
        process.exit(1);
    });
