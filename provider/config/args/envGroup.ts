import { z } from "zod";
import { envName, inputString, secretString } from "./fields";

export const envGroupArgs = z
    .object({
        variables: z
            .record(envName, inputString("A variable's value."))
            .default({})
            .describe("Plain variables every linked app receives."),
        secrets: z
            .record(envName, secretString("A secret's value; kept a Pulumi secret everywhere."))
            .default({})
            .describe("Secret variables every linked app receives; stored and shown only as Pulumi secrets."),
    })
    .strict()
    .describe("A named set of variables and secrets shared by several apps (like Render's environment groups).");

export type EnvGroupArgs = z.input<typeof envGroupArgs>;
export type EnvGroupConfig = z.output<typeof envGroupArgs>;
