namespace Aspire.Hosting;

/// <summary>Decides whether a Node app's dependencies need <c>npm ci</c> before it can start.</summary>
internal static class NpmInstallState
{
    /// <summary>
    /// True when node_modules is missing, or npm's record of what it installed (node_modules/.package-lock.json)
    /// is older than package-lock.json. Running <c>npm ci</c> every start would cost seconds on each warm start.
    /// </summary>
    public static bool IsStale(string appDirectory)
    {
        var lockFile = new FileInfo(Path.Combine(appDirectory, "package-lock.json"));
        var installed = new FileInfo(Path.Combine(appDirectory, "node_modules", ".package-lock.json"));
        if (!lockFile.Exists)
        {
            return false; // Nothing to install from; npm ci would fail, node reports the missing modules itself.
        }

        return !installed.Exists || installed.LastWriteTimeUtc < lockFile.LastWriteTimeUtc;
    }
}
