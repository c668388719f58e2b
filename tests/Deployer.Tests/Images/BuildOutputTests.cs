using Aspire.Deployer.Images;

namespace Aspire.Deployer.Tests.Images;

/// <summary>docker build output condensed to one line per build stage, for the classic builder and for BuildKit.</summary>
public sealed class BuildOutputTests
{
    private static List<string> Condense(params string[] output)
    {
        var lines = new List<string>();
        var condenser = new BuildOutput(lines.Add);
        foreach (var line in output)
        {
            condenser.Add(line);
        }

        return lines;
    }

    [Fact]
    public void ClassicBuilder_OneLinePerFromStep()
    {
        var lines = Condense(
            "Sending build context to Docker daemon  3.072kB",
            "Step 1/9 : ARG NODE_IMAGE=node:22.23.3-bookworm-slim",
            "Step 2/9 : FROM ${NODE_IMAGE} AS deps",
            " ---> ee48ca147bdc",
            "Step 3/9 : WORKDIR /app",
            " ---> Using cache",
            "Step 4/9 : RUN npm ci --omit=dev",
            " ---> Running in 0c1f2a",
            "added 112 packages in 3s",
            "Step 5/9 : from ${NODE_IMAGE}",
            "Step 6/9 : COPY --from=deps /app/node_modules ./node_modules",
            "Successfully built 1a2b3c4d5e6f",
            "Successfully tagged web:local");

        Assert.Equal(["stage 1: FROM ${NODE_IMAGE} AS deps", "stage 2: from ${NODE_IMAGE}"], lines);
    }

    [Fact]
    public void BuildKit_OneLinePerStageNameEvenWhenStagesInterleave()
    {
        var lines = Condense(
            "#1 [internal] load build definition from Dockerfile",
            "#1 transferring dockerfile: 1.02kB done",
            "#5 [deps 1/3] FROM docker.io/library/node:22.23.3-bookworm-slim",
            "#6 [deps 2/3] WORKDIR /app",
            "#6 CACHED",
            "#7 [stage-1 2/6] WORKDIR /app",
            "#8 [deps 3/3] RUN npm ci --omit=dev",
            "#8 2.114 added 112 packages",
            "#9 [stage-1 3/6] COPY --from=deps /app/node_modules ./node_modules",
            "#10 exporting to image");

        Assert.Equal(["stage deps: FROM docker.io/library/node:22.23.3-bookworm-slim", "stage stage-1: WORKDIR /app"], lines);
    }
}
