using System.Text.Json;
using Docker.DotNet.Models;

namespace NodeApp.Container.Tests.Infrastructure;

/// <summary>
/// Looks inside the built image once: a one-shot container of the image, run as root (so nothing is hidden by
/// permissions) with no network, walks the filesystem with the image's own node and prints one JSON report.
/// </summary>
public sealed class ImageInspectionFixture : IAsyncLifetime
{
    // Runs inside the image. Reports /app's top level, installed packages, files the app user could change,
    // and anything that must never be in the image (tests, env files, .git, npm caches).
    private const string InspectorScript = """
        const fs = require('fs'), path = require('path');
        const report = { appEntries: fs.readdirSync('/app').sort(), packages: [], writableByApp: [],
          testFiles: [], envFiles: [], gitDirs: [], npmCaches: [], tmpEntries: fs.readdirSync('/tmp') };
        function walk(dir, inModules) {
          for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            const st = fs.lstatSync(p);
            if (!st.isSymbolicLink() && (st.uid === 1000 || st.gid === 1000 || (st.mode & 0o022) !== 0)) report.writableByApp.push(p);
            if (e.name === '.git') report.gitDirs.push(p);
            if (!inModules && /\.(test|spec)\.[cm]?js$/.test(e.name)) report.testFiles.push(p);
            if (!inModules && e.isDirectory() && /^(test|tests|__tests__)$/.test(e.name)) report.testFiles.push(p);
            if (!inModules && /^\.env/.test(e.name)) report.envFiles.push(p);
            if (e.isDirectory()) {
              if (e.name === 'node_modules') {
                for (const m of fs.readdirSync(p)) {
                  if (m.startsWith('.')) continue;
                  const names = m.startsWith('@') ? fs.readdirSync(path.join(p, m)).map(n => m + '/' + n) : [m];
                  for (const n of names) report.packages.push(path.relative('/app', path.join(p, n)));
                }
              }
              walk(p, inModules || e.name === 'node_modules');
            }
          }
        }
        walk('/app', false);
        for (const c of ['/root/.npm', '/home/node/.npm', '/tmp/npm-cache', '/app/.npm'])
          if (fs.existsSync(c)) report.npmCaches.push(c);
        process.stdout.write(JSON.stringify(report));
        """;

    /// <summary>What the inspector found.</summary>
    public ImageReport Report { get; private set; } = null!;

    /// <summary>The image's configuration (user, env, command, exposed ports).</summary>
    public ImageInspectResponse Image { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var image = await NodeAppImage.GetAsync();
        var client = DockerEngine.Client;
        Image = await client.Images.InspectImageAsync(image);

        var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = image,
            User = "0",
            Entrypoint = ["node"],
            Cmd = ["-e", InspectorScript],
            Labels = new Dictionary<string, string> { [NodeAppContainer.Label] = "true" },
            HostConfig = new HostConfig { NetworkMode = "none" },
        });
        try
        {
            await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
            var exit = await client.Containers.WaitContainerAsync(created.ID).WaitAsync(TimeSpan.FromSeconds(60));
            using var logs = await client.Containers.GetContainerLogsAsync(
                created.ID, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true });
            var (stdout, stderr) = await logs.ReadOutputToEndAsync(CancellationToken.None);
            if (exit.StatusCode != 0)
            {
                throw new InvalidOperationException($"image inspector exited {exit.StatusCode}: {stderr}");
            }

            Report = JsonSerializer.Deserialize<ImageReport>(stdout, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
                ?? throw new InvalidOperationException("image inspector printed nothing");
        }
        finally
        {
            await client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true });
        }
    }

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>The inspector's findings (paths inside the image).</summary>
public sealed record ImageReport(
    string[] AppEntries,
    string[] Packages,
    string[] WritableByApp,
    string[] TestFiles,
    string[] EnvFiles,
    string[] GitDirs,
    string[] NpmCaches,
    string[] TmpEntries);
