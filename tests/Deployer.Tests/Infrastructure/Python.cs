using System.Diagnostics;

namespace Aspire.Deployer.Tests.Infrastructure;

/// <summary>The Python that carries botocore and moto: MOTO_PYTHON when set, else python3 on PATH.</summary>
internal static class Python
{
    public static string Executable => Environment.GetEnvironmentVariable("MOTO_PYTHON") is { Length: > 0 } p ? p : "python3";

    /// <summary>Runs a short Python snippet and returns its trimmed stdout; throws with stderr when it fails.</summary>
    public static string Run(string code, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(code);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"Cannot run '{Executable}' ({ex.Message}). The Deployer tests need pyenv's Python with botocore and moto[server] 5.x " +
                "(see ENVIRONMENT.md); set MOTO_PYTHON to its path.", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"'{Executable} -c {code}' did not finish within {timeout}.");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"'{Executable} -c \"{code}\"' failed (exit {process.ExitCode}): {stderr.Result.Trim()}. " +
                    "The Deployer tests need pyenv's Python with botocore and moto[server] 5.x; set MOTO_PYTHON to its path.");
            }

            return stdout.Result.Trim();
        }
    }
}
