using System.Reflection;
using System.Text.RegularExpressions;
using Aspire.Deployer.Aws;

namespace Aspire.Deployer.Tests.Infrastructure;

/// <summary>The operation of a rest-xml request (Route 53), told by its method and path from the clients' own
/// <see cref="AwsHttpAttribute"/> templates, as the proxy and the call lists name JSON and Query calls by their target or Action.</summary>
public static class RestOperations
{
    private static readonly Lazy<IReadOnlyList<(string Method, Regex Path, string Operation)>> Templates = new(() =>
        [.. typeof(AwsSession).Assembly.GetTypes().Append(typeof(TestZones.CreateHostedZoneRequest))
            .Select(t => (Http: t.GetCustomAttribute<AwsHttpAttribute>(), Operation: t.GetCustomAttribute<AwsOperationAttribute>()))
            .Where(x => x.Http is not null && x.Operation is not null)
            .Select(x => (x.Http!.Method, Pattern(x.Http.RequestUri), x.Operation!.Operation))
            .OrderByDescending(x => x.Item2.ToString().Length)]);

    /// <summary>The operation, or null when no rest-xml template fits.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="path">The path, without the query string.</param>
    public static string? Of(string method, string path) =>
        Templates.Value.FirstOrDefault(t => t.Method == method && t.Path.IsMatch(path)).Operation;

    private static Regex Pattern(string template)
    {
        var path = template.Split('?')[0];
        return new Regex("^" + Regex.Replace(Regex.Escape(path).Replace(@"\{", "{", StringComparison.Ordinal), @"\{[^}]+}", "[^/]+") + "$", RegexOptions.CultureInvariant);
    }
}
