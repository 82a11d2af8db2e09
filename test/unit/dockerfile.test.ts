import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ImageBuild, INIT_BUILDER_IMAGE } from "../../provider/config/appModel";
import { goBuilderImage, parseGoMod } from "../../provider/config/source/goMod";
import { GoSource } from "../../provider/config/source/sourceDir";
import { renderDockerfile } from "../../provider/render/dockerfile";

const init = { "go.mod": "module cloudengine.internal/init\n", "main.go": "package main\n" };

function source(overrides: Partial<GoSource> = {}): ImageBuild {
    return {
        kind: "source",
        source: {
            dir: "/src", goVersion: "1.22", builderImage: "golang:1.22-bookworm", dependencyFiles: ["go.mod", "go.sum"],
            install: [{ run: "go mod download" }], build: ["go build -o main"], run: "./main", systemDependencies: [], ...overrides,
        },
        runtimeImage: "debian:bookworm-slim",
        initBuilderImage: INIT_BUILDER_IMAGE,
        printBuildLogs: false,
    };
}

/** The lines of one stage, from its FROM to the next FROM. */
function stage(dockerfile: string, name: string): string[] {
    const lines = dockerfile.split("\n");
    const start = lines.findIndex((l) => l.startsWith("FROM ") && l.endsWith(` AS ${name}`));
    assert.ok(start >= 0, `no stage ${name}`);
    const end = lines.findIndex((l, i) => i > start && l.startsWith("FROM "));
    return lines.slice(start, end < 0 ? undefined : end).filter(Boolean);
}

function runScripts(lines: string[]): string[] {
    return lines.filter((l) => l.startsWith("RUN ")).map((l) => JSON.parse(l.slice(4))[2] as string);
}

describe("Dockerfile", () => {
    it("install sees only the dependency lists, build sees everything, runtime holds the tree and init", () => {
        const d = renderDockerfile({ build: source(), initSource: init });
        const install = stage(d, "install");
        assert.equal(install[0], "FROM golang:1.22-bookworm AS install");
        assert.deepEqual(install.filter((l) => l.startsWith("COPY")), ['COPY ["go.mod","go.sum","./"]']);
        assert.match(runScripts(install)[0], /^\{ go mod download\n\}/);
        const build = stage(d, "build");
        assert.deepEqual(build.slice(0, 2), ["FROM install AS build", "COPY . ."]);
        assert.match(runScripts(build)[0], /^\{ go build -o main\n\}/);
        const runtime = stage(d, "runtime");
        assert.equal(runtime[0], "FROM debian:bookworm-slim AS runtime");
        assert.ok(runtime.includes("COPY --from=cloudengine-init /cloudengine/init /cloudengine/init"));
        assert.ok(runtime.includes("COPY --from=build /app /app"));
        assert.ok(runtime.includes("USER 1000:1000"));
        assert.ok(runtime.includes('ENTRYPOINT ["/cloudengine/init","run","--"]'));
        assert.ok(runtime.includes('CMD ["sh","-c","./main"]'));
        assert.match(runScripts(runtime)[0], /apt-get install -y --no-install-recommends ca-certificates tzdata &&/);
        assert.match(runScripts(runtime)[0], /useradd --uid 1000 --gid 1000 --home-dir \/home\/leanengine/);
    });

    it("init is compiled statically with a fixed toolchain from its embedded source", () => {
        const d = renderDockerfile({ build: source(), initSource: init });
        const initStage = stage(d, "cloudengine-init");
        assert.equal(initStage[0], `FROM ${INIT_BUILDER_IMAGE} AS cloudengine-init`);
        const [write, build] = runScripts(initStage);
        assert.ok(write.includes(`printf '%s' '${Buffer.from(init["main.go"]).toString("base64")}' | base64 -d > main.go`));
        assert.match(build, /CGO_ENABLED=0 go build .* -o \/cloudengine\/init \./);
    });

    it("quiet steps print their log only when they fail; printBuildLogs runs them plainly", () => {
        const quiet = runScripts(stage(renderDockerfile({ build: source(), initSource: init }), "build"))[0];
        assert.equal(quiet, '{ go build -o main\n} > /tmp/cloudengine-step.log 2>&1 || { status=$?; echo "cloudengine: build step failed (exit $status): go build -o main"; cat /tmp/cloudengine-step.log; exit $status; }');
        const loud = { ...source(), printBuildLogs: true } as ImageBuild;
        assert.equal(runScripts(stage(renderDockerfile({ build: loud, initSource: init }), "build"))[0], "go build -o main");
    });

    it("leanengine.yaml steps: require copies files into the install stage in order; several build commands", () => {
        const d = renderDockerfile({
            build: source({ install: [{ run: "go mod download" }, { require: ["tools/tools.go"] }, { run: "go generate ./tools" }], build: ["echo 'building'", "go build -o app ./cmd/app"], run: "./app -port ${LEANCLOUD_APP_PORT}" }),
            initSource: init,
        });
        const install = stage(d, "install");
        const order = install.filter((l) => l.startsWith("COPY") || l.startsWith("RUN")).map((l) => (l.startsWith("COPY") ? l : runScripts([l])[0].split("\n")[0]));
        assert.deepEqual(order, ['COPY ["go.mod","go.sum","./"]', "{ go mod download", 'COPY ["tools/tools.go","tools/tools.go"]', "{ go generate ./tools"]);
        assert.equal(runScripts(stage(d, "build")).length, 2);
        assert.ok(d.includes('CMD ["sh","-c","./app -port ${LEANCLOUD_APP_PORT}"]'));
    });

    it("system dependencies become Debian packages in the runtime image; chrome-headless answers at /usr/bin/google-chrome", () => {
        const d = renderDockerfile({ build: source({ systemDependencies: ["imagemagick", "fonts-wqy", "chrome-headless"] }), initSource: init });
        const setup = runScripts(stage(d, "runtime"))[0];
        assert.match(setup, /install -y --no-install-recommends ca-certificates tzdata imagemagick fonts-wqy-microhei fonts-wqy-zenhei chromium &&/);
        assert.match(setup, /ln -s \/usr\/bin\/chromium \/usr\/bin\/google-chrome/);
    });

    it("the builder image is the one go.mod's Go version picks (test/unit/goMod.test.ts checks the choice against the go command)", () => {
        const build = (goMod: string) => {
            const info = parseGoMod(goMod, "r");
            return stage(renderDockerfile({ build: source({ goVersion: info.goVersion, builderImage: goBuilderImage(info.goVersion) }), initSource: init }), "install")[0];
        };
        assert.equal(build("module x\ngo 1.14\n"), "FROM golang:1.14-buster AS install");
        assert.equal(build("module x\ngo 1.21.0\ntoolchain go1.22.5\n"), "FROM golang:1.22-bookworm AS install");
        assert.equal(build("module x\ngo 1.22.3\ntoolchain go1.22.1\n"), "FROM golang:1.22-bookworm AS install");
        assert.equal(build("module x\n"), "FROM golang:bookworm AS install");
    });

    it("same input, byte-identical output (clean previews)", () => {
        assert.equal(renderDockerfile({ build: source(), initSource: init }), renderDockerfile({ build: source(), initSource: { "main.go": init["main.go"], "go.mod": init["go.mod"] } }));
    });
});
