using Aspire.Deployer.Model;

namespace Aspire.Deployer.Hosting;

/// <summary>The services with their secrets named, the secrets, and the parameters the secrets are made of.</summary>
/// <param name="Services">The services, each with <see cref="ServiceDescription.Secrets"/> set.</param>
/// <param name="Secrets">The Secrets Manager secrets.</param>
/// <param name="Parameters">The parameters whose values the secrets hold, by name.</param>
/// <param name="Uses">What uses each parameter read (e.g. <c>GREETING of web</c>), by parameter name.</param>
internal sealed record SecretCollection(
    IReadOnlyList<ServiceDescription> Services,
    IReadOnlyList<SecretDescription> Secrets,
    IReadOnlyDictionary<string, ParameterValue> Parameters,
    Func<string, IReadOnlyList<string>> Uses)
{
    /// <summary>Why a parameter is not deployed as a resource of its own, for the plan: where its value goes.</summary>
    /// <param name="parameter">The parameter's name.</param>
    public string ReasonFor(string parameter)
    {
        var stored = Secrets.Where(s => s.Parts.Any(p => p.Parameter == parameter)).Select(s => s.Name).ToList();
        if (stored.Count > 0)
        {
            return $"a {(Parameters.GetValueOrDefault(parameter)?.Secret == false ? "" : "secret ")}parameter: its value is stored in Secrets Manager ({string.Join(", ", stored)}) " +
                   "and read by the tasks through their task definition's secrets, never as a plain variable";
        }

        var uses = Uses(parameter);
        return uses.Count > 0
            ? $"a parameter: its value is the plain environment value of {string.Join(", ", uses)}"
            : "a parameter no deployed service uses";
    }
}

/// <summary>
/// Names every value that embeds a secret: a variable that is exactly a secret parameter reads the parameter's
/// secret (<c>{app}/{environment}/parameters/{name}</c>, one per parameter, shared by every service that reads it); any
/// other (a connection string with a password) gets a secret of its own, named after the service and the variable. A
/// parameter whose value Aspire generates always has its own secret, so the value an earlier deploy stored can be kept.
/// </summary>
internal static class SecretCollector
{
    /// <summary>Names the secrets of <paramref name="drafts"/>.</summary>
    /// <param name="app">The application name.</param>
    /// <param name="environment">The environment name.</param>
    /// <param name="drafts">The services as read.</param>
    /// <param name="parameters">The parameters read.</param>
    public static SecretCollection Collect(string app, string environment, IReadOnlyList<ServiceDraft> drafts, ParameterReader parameters)
    {
        var secrets = new Dictionary<string, SecretDescription>(StringComparer.Ordinal);
        var services = new List<ServiceDescription>();
        foreach (var draft in drafts)
        {
            var resource = draft.Service.Names.Resource;
            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (variable, value) in draft.SecretVariables.OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                var secret = value.WholeParameter is { } whole
                    ? new SecretDescription(AwsNames.ParameterSecret(app, environment, whole.Name), null, [SecretPart.Of(whole.Name)], [resource], $"parameter {whole.Name}")
                    : new SecretDescription(AwsNames.VariableSecret(app, environment, resource, variable), resource, [.. value.Parts.Select(Part)], [resource], $"{variable} of {resource}");
                Add(secrets, secret);
                names[variable] = secret.Name;
            }

            services.Add(draft.Service with { Secrets = names });
        }

        var values = parameters.Values();
        foreach (var generated in values.Values.Where(p => p.Generated))
        {
            Add(secrets, new SecretDescription(AwsNames.ParameterSecret(app, environment, generated.Name), null, [SecretPart.Of(generated.Name)], [],
                $"parameter {generated.Name} (generated once, then kept)"));
        }

        var used = secrets.Values.SelectMany(s => s.Parts).Select(p => p.Parameter).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return new SecretCollection(services, [.. secrets.Values.OrderBy(s => s.Name, StringComparer.Ordinal)],
            values.Where(v => used.Contains(v.Key)).ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal), parameters.UsesOf);
    }

    private static SecretPart Part(ValuePart part) =>
        part.Parameter is { } parameter ? SecretPart.Of(parameter.Name, part.UriEscaped) : SecretPart.Literal(part.Text ?? "");

    // A parameter's secret read by several services is one secret read by all of them.
    private static void Add(Dictionary<string, SecretDescription> secrets, SecretDescription secret)
    {
        secrets[secret.Name] = secrets.TryGetValue(secret.Name, out var known)
            ? known with { ReadBy = [.. known.ReadBy.Union(secret.ReadBy, StringComparer.Ordinal)] }
            : secret;
    }
}
