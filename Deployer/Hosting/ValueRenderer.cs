using System.Globalization;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Deployer.Hosting;

/// <summary>One piece of a rendered value: text, or a parameter's value (kept apart so a secret never becomes plain text).</summary>
/// <param name="Text">Literal text, or null for a parameter.</param>
/// <param name="Parameter">The parameter, or null for text.</param>
/// <param name="UriEscaped">The parameter's value is URI-escaped where it is used.</param>
internal sealed record ValuePart(string? Text, ParameterResource? Parameter, bool UriEscaped = false);

/// <summary>A value of the model as the task definition will hold it: its parts and the services it refers to.</summary>
/// <param name="Parts">Text and parameters, in order.</param>
/// <param name="References">The other resources whose endpoints it names (their Service Connect addresses).</param>
internal sealed record RenderedValue(IReadOnlyList<ValuePart> Parts, IReadOnlyList<string> References)
{
    /// <summary>True when a secret parameter is part of it: the whole value then goes to Secrets Manager.</summary>
    public bool IsSecret(ParameterReader parameters) => Parts.Any(p => p.Parameter is { } r && (r.Secret || parameters.IsGenerated(r)));

    /// <summary>The parameter the whole value is, or null when it is made of more.</summary>
    public ParameterResource? WholeParameter => Parts is [{ Parameter: { } p, UriEscaped: false }] ? p : null;
}

/// <summary>Where a referenced endpoint is reached on ECS: the callee's Service Connect name and its container port.</summary>
/// <param name="Host">The Service Connect name (the client alias other tasks resolve).</param>
/// <param name="Port">The container port (Service Connect's ingress port).</param>
/// <param name="Scheme">The endpoint's URI scheme.</param>
/// <param name="TlsEnabled">Whether the endpoint speaks TLS.</param>
internal sealed record EndpointAddress(string Host, int Port, string Scheme, bool TlsEnabled);

/// <summary>A value that cannot be deployed; the message says why.</summary>
/// <param name="message">Why, and what to do.</param>
internal sealed class UnresolvableValueException(string message) : Exception(message);

/// <summary>
/// Walks a value of the model (what a resource's environment and argument callbacks produce in publish mode) into
/// <see cref="ValuePart"/>s, substituting its own addresses for endpoints: endpoint values are never awaited, since
/// Aspire never allocates them in publish mode and awaiting one never completes. Parameters are read through the
/// bounded <see cref="ParameterReader"/>; any other value provider is awaited within the same bound.
/// </summary>
/// <param name="parameters">Reads parameter values, bounded.</param>
/// <param name="addressOf">The ECS address of an endpoint of another resource; throws <see cref="UnresolvableValueException"/> when that resource is not deployed.</param>
/// <param name="bound">How long any one value may take.</param>
/// <param name="cancellationToken">Cancels the reads.</param>
internal sealed class ValueRenderer(ParameterReader parameters, Func<EndpointReference, EndpointAddress> addressOf, TimeSpan bound, CancellationToken cancellationToken)
{
    /// <summary>Renders <paramref name="value"/>; throws <see cref="UnresolvableValueException"/> for a value that cannot be deployed.</summary>
    /// <param name="value">The value.</param>
    /// <param name="usedAs">What it is (e.g. <c>GREETING of web</c>), for parameter messages.</param>
    public async Task<RenderedValue> RenderAsync(object? value, string usedAs)
    {
        var references = new List<string>();
        var parts = await WalkAsync(value, usedAs, references).ConfigureAwait(false);
        return new RenderedValue(Merge(parts), [.. references.Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>The text of rendered parts whose parameters are plain: their values read.</summary>
    /// <param name="value">The rendered value.</param>
    /// <param name="usedAs">What it is, for parameter messages.</param>
    public async Task<string> TextAsync(RenderedValue value, string usedAs)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder();
        foreach (var part in value.Parts)
        {
            var piece = part.Parameter is { } p ? await parameters.ValueAsync(p, usedAs).ConfigureAwait(false) ?? "" : part.Text;
            text.Append(part.UriEscaped ? Uri.EscapeDataString(piece ?? "") : piece);
        }

        return text.ToString();
    }

    private async Task<List<ValuePart>> WalkAsync(object? value, string usedAs, List<string> references)
    {
        switch (value)
        {
            case null:
                return [];
            case string text:
                return [new ValuePart(text, null)];
            case IResourceBuilder<IResource> builder:
                return await WalkAsync(builder.Resource, usedAs, references).ConfigureAwait(false);
            case ParameterResource parameter:
                // Read now: a missing value is reported once, with every other problem, before any AWS call.
                await parameters.ValueAsync(parameter, usedAs).ConfigureAwait(false);
                return [new ValuePart(null, parameter)];
            case ConnectionStringReference connection:
                return await WalkAsync(connection.Resource is ParameterResource p ? p : connection.Resource.ConnectionStringExpression, usedAs, references).ConfigureAwait(false);
            case IResourceWithConnectionString connection:
                return await WalkAsync(connection.ConnectionStringExpression, usedAs, references).ConfigureAwait(false);
            case EndpointReference endpoint:
                return [new ValuePart(Endpoint(endpoint, EndpointProperty.Url, references), null)];
            case EndpointReferenceExpression expression:
                return [new ValuePart(Endpoint(expression.Endpoint, expression.Property, references), null)];
            case ReferenceExpression expression:
                return await ExpressionAsync(expression, usedAs, references).ConfigureAwait(false);
            case IValueProvider provider:
                return [new ValuePart(await ProviderAsync(provider).ConfigureAwait(false), null)];
            case IManifestExpressionProvider manifest:
                throw new UnresolvableValueException(
                    $"its value {manifest.ValueExpression} ({value.GetType().Name}) has no meaning on ECS; set it to text, a parameter or an endpoint of a deployed resource");
            case IFormattable formattable:
                return [new ValuePart(formattable.ToString(null, CultureInfo.InvariantCulture), null)];
            default:
                return [new ValuePart(value.ToString() ?? "", null)];
        }
    }

    private async Task<List<ValuePart>> ExpressionAsync(ReferenceExpression expression, string usedAs, List<string> references)
    {
        if (expression.IsConditional)
        {
            var condition = await WalkAsync(expression.Condition, usedAs, references).ConfigureAwait(false);
            var text = await TextAsync(new RenderedValue(condition, []), usedAs).ConfigureAwait(false);
            var branch = string.Equals(text, expression.MatchValue, StringComparison.OrdinalIgnoreCase) ? expression.WhenTrue : expression.WhenFalse;
            return await WalkAsync(branch, usedAs, references).ConfigureAwait(false);
        }

        var arguments = new List<List<ValuePart>>();
        for (var i = 0; i < expression.ValueProviders.Count; i++)
        {
            var parts = await WalkAsync(expression.ValueProviders[i], usedAs, references).ConfigureAwait(false);
            arguments.Add(expression.StringFormats[i] is "uri" ? [.. parts.Select(Escape)] : parts);
        }

        return Format(expression.Format, arguments);
    }

    // The format's "{n}" holes filled with the parts of argument n ("{{" and "}}" are literal braces).
    private static List<ValuePart> Format(string format, List<List<ValuePart>> arguments)
    {
        var result = new List<ValuePart>();
        var text = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if ((c == '{' || c == '}') && i + 1 < format.Length && format[i + 1] == c)
            {
                text.Append(c);
                i++;
            }
            else if (c == '{')
            {
                var end = format.IndexOf('}', i);
                var index = int.Parse(format.AsSpan(i + 1, end - i - 1).ToString().Split(',', ':')[0], CultureInfo.InvariantCulture);
                result.Add(new ValuePart(text.ToString(), null));
                text.Clear();
                result.AddRange(arguments[index]);
                i = end;
            }
            else
            {
                text.Append(c);
            }
        }

        result.Add(new ValuePart(text.ToString(), null));
        return result;
    }

    private static ValuePart Escape(ValuePart part) =>
        part.Parameter is null ? part with { Text = Uri.EscapeDataString(part.Text ?? "") } : part with { UriEscaped = true };

    // Adjacent text parts joined, empty ones dropped.
    private static List<ValuePart> Merge(List<ValuePart> parts)
    {
        var merged = new List<ValuePart>();
        foreach (var part in parts.Where(p => p.Parameter is not null || !string.IsNullOrEmpty(p.Text)))
        {
            if (part.Parameter is null && merged.Count > 0 && merged[^1].Parameter is null)
            {
                merged[^1] = new ValuePart(merged[^1].Text + part.Text, null);
            }
            else
            {
                merged.Add(part);
            }
        }

        return merged;
    }

    private string Endpoint(EndpointReference endpoint, EndpointProperty property, List<string> references)
    {
        var address = addressOf(endpoint);
        references.Add(endpoint.Resource.Name);
        var port = address.Port.ToString(CultureInfo.InvariantCulture);
        return property switch
        {
            EndpointProperty.Url => $"{address.Scheme}://{address.Host}:{port}",
            EndpointProperty.Host or EndpointProperty.IPV4Host => address.Host,
            EndpointProperty.Port or EndpointProperty.TargetPort => port,
            EndpointProperty.HostAndPort => $"{address.Host}:{port}",
            EndpointProperty.Scheme => address.Scheme,
            EndpointProperty.TlsEnabled => address.TlsEnabled ? bool.TrueString : bool.FalseString,
            _ => throw new UnresolvableValueException($"it asks for the endpoint property {property} of {endpoint.Resource.Name}, which this deployer does not know"),
        };
    }

    private async Task<string> ProviderAsync(IValueProvider provider)
    {
        var read = provider.GetValueAsync(cancellationToken).AsTask();
        if (await Task.WhenAny(read, Task.Delay(bound, cancellationToken)).ConfigureAwait(false) != read)
        {
            var expression = provider is IManifestExpressionProvider manifest ? $"{manifest.ValueExpression}, " : "";
            throw new UnresolvableValueException(string.Create(CultureInfo.InvariantCulture,
                $"its value ({expression}{provider.GetType().Name}) was not given within {bound.TotalSeconds:0} s; in publish mode it may never be"));
        }

        return await read.ConfigureAwait(false) ?? "";
    }
}
