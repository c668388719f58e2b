namespace Aspire.Deployer.Aws;

/// <summary>
/// Where the AWS session reads its variables (AWS_REGION, AWS_ENDPOINT_URL, ...): the real process environment by
/// default, or a fixed set of variables so that callers (and tests) need not mutate the process-wide environment.
/// </summary>
public sealed class AwsEnvironment
{
    private readonly IReadOnlyDictionary<string, string>? _variables;

    private AwsEnvironment(IReadOnlyDictionary<string, string>? variables) => _variables = variables;

    /// <summary>The real process environment. Only this one lets the SDK's own chains (profiles, SSO, web identity,
    /// container and instance credentials; profile and instance-metadata region) take part.</summary>
    public static AwsEnvironment Process { get; } = new(null);

    /// <summary>True when this is the real process environment.</summary>
    public bool IsProcess => _variables is null;

    /// <summary>A fixed, hermetic set of variables; nothing is read from the process environment or from disk.</summary>
    /// <param name="variables">The variables; null or empty values count as unset.</param>
    /// <returns>The environment.</returns>
    public static AwsEnvironment FromVariables(IEnumerable<KeyValuePair<string, string?>> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in variables)
        {
            if (!string.IsNullOrEmpty(value))
            {
                map[key] = value;
            }
        }

        return new AwsEnvironment(map);
    }

    /// <summary>Reads a variable; empty values count as unset.</summary>
    /// <param name="name">The variable name.</param>
    /// <returns>The value, or null.</returns>
    public string? Get(string name)
    {
        var value = _variables is null
            ? Environment.GetEnvironmentVariable(name)
            : _variables.GetValueOrDefault(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
