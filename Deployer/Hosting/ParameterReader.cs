using System.Globalization;
using Aspire.Deployer.Model;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Hosting;

/// <summary>
/// Reads the values of the model's parameters, each once and within a bound: a missing value, or one that would wait
/// for input nobody can give, is a problem naming the parameter, what uses it and where to set it, never a hang.
/// Aspire's own <c>process-parameters</c> step has asked for missing values before the steps run when a terminal is
/// attached to the Aspire CLI; anywhere else nothing prompts.
/// </summary>
/// <param name="configuration">The AppHost's configuration (tells a configured value from a generated one); null: none is.</param>
/// <param name="bound">How long one value may take.</param>
/// <param name="cancellationToken">Cancels the reads.</param>
internal sealed class ParameterReader(IConfiguration? configuration, TimeSpan bound, CancellationToken cancellationToken)
{
    private readonly Dictionary<ParameterResource, string?> _values = [];
    private readonly Dictionary<string, List<string>> _uses = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];

    /// <summary>The default bound of one value.</summary>
    public static TimeSpan DefaultBound { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Every problem found so far, each once.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>What uses a parameter (e.g. <c>GREETING of web</c>), each once; empty when nothing deployed does.</summary>
    /// <param name="name">The parameter's name.</param>
    public IReadOnlyList<string> UsesOf(string name) => _uses.TryGetValue(name, out var uses) ? [.. uses.Distinct(StringComparer.Ordinal)] : [];

    /// <summary>The value of <paramref name="parameter"/>, or null (and a problem) when it has none.</summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="usedAs">What uses it, for the message (e.g. <c>GREETING of web</c>).</param>
    public async Task<string?> ValueAsync(ParameterResource parameter, string usedAs)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        (_uses.TryGetValue(parameter.Name, out var uses) ? uses : _uses[parameter.Name] = []).Add(usedAs);
        if (_values.TryGetValue(parameter, out var known))
        {
            return known;
        }

        var value = await ReadAsync(parameter, usedAs).ConfigureAwait(false);
        _values[parameter] = value;
        return value;
    }

    /// <summary>The values read, as the deployment carries them (secret, generated).</summary>
    public IReadOnlyDictionary<string, ParameterValue> Values() =>
        _values.Where(v => v.Value is not null).ToDictionary(
            v => v.Key.Name,
            v => new ParameterValue(v.Key.Name, new SecretValue(v.Value!), v.Key.Secret, IsGenerated(v.Key)),
            StringComparer.Ordinal);

    /// <summary>True when no value is configured and Aspire generates one (a Redis password, <c>AddParameter(name, new GenerateParameterDefault())</c>).</summary>
    /// <param name="parameter">The parameter.</param>
    public bool IsGenerated(ParameterResource parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var key = ConfigurationKey(parameter);
        return parameter.Default is GenerateParameterDefault
            && string.IsNullOrEmpty(configuration?[key])
            && string.IsNullOrEmpty(configuration?[key.Replace('-', '_')]);
    }

    /// <summary>Where a parameter's value is configured: <c>Parameters:{name}</c>, or <c>ConnectionStrings:{name}</c> for <c>AddConnectionString</c>.</summary>
    /// <param name="parameter">The parameter.</param>
    public static string ConfigurationKey(ParameterResource parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return (parameter is IResourceWithConnectionString ? "ConnectionStrings:" : "Parameters:") + parameter.Name;
    }

    private async Task<string?> ReadAsync(ParameterResource parameter, string usedAs)
    {
        var read = parameter.GetValueAsync(cancellationToken).AsTask();
        try
        {
            if (await Task.WhenAny(read, Task.Delay(bound, cancellationToken)).ConfigureAwait(false) != read)
            {
                Problem(parameter, usedAs, string.Create(CultureInfo.InvariantCulture,
                    $"gave no value within {bound.TotalSeconds:0} s (it waits for input nobody can give here)"));
                return null;
            }

            var value = await read.ConfigureAwait(false);
            if (string.IsNullOrEmpty(value))
            {
                Problem(parameter, usedAs, "has no value");
                return null;
            }

            return value;
        }
        catch (MissingParameterValueException)
        {
            Problem(parameter, usedAs, "has no value");
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _problems.Add($"Parameter '{parameter.Name}' (used as {usedAs}) could not be read: {e.Message}");
            return null;
        }
    }

    private void Problem(ParameterResource parameter, string usedAs, string what)
    {
        var key = ConfigurationKey(parameter);
        _problems.Add($"Parameter '{parameter.Name}' (used as {usedAs}) {what}. Set it as {key} in the AppHost's configuration " +
                      $"(appsettings.json or user secrets), as the environment variable {key.Replace(":", "__", StringComparison.Ordinal)}, " +
                      $"or on the command line (--{key}=...); `aspire deploy` on a terminal asks for it.");
    }
}
