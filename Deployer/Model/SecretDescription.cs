using System.Security.Cryptography;
using System.Text;

namespace Aspire.Deployer.Model;

/// <summary>
/// A secret value held in memory. It never prints (<see cref="ToString"/> is a mask) and has no public property a
/// serializer could write; <see cref="Reveal"/> is called only where the value is sent to Secrets Manager (or to the
/// local smoke-test container). Plans compare it by <see cref="HashFor"/>, a slow salted hash, never by the value.
/// </summary>
/// <param name="value">The value.</param>
public sealed class SecretValue(string value)
{
    private const int HashIterations = 100_000;

    /// <summary>The value itself, for the one request that stores it.</summary>
    public string Reveal() => value;

    /// <summary>A stand-in for the value: secrets are never printed.</summary>
    public override string ToString() => "(secret)";

    /// <summary>
    /// The value's hash as the secret's tag keeps it, so a deploy knows whether the stored value is current without
    /// reading or printing it: PBKDF2-SHA256 salted with the secret's name, so equal values of two secrets differ and
    /// guessing a value from the tag is slow.
    /// </summary>
    /// <param name="secretName">The Secrets Manager name of the secret that stores it.</param>
    public string HashFor(string secretName)
    {
        ArgumentNullException.ThrowIfNull(secretName);
        var salt = Encoding.UTF8.GetBytes("aspire-ecs-deployer/" + secretName);
        return Convert.ToHexStringLower(Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(value), salt, HashIterations, HashAlgorithmName.SHA256, 32));
    }
}

/// <summary>A parameter of the AppHost whose value a deployed service reads.</summary>
/// <param name="Name">The parameter's name (<c>AddParameter("name")</c>).</param>
/// <param name="Value">Its value.</param>
/// <param name="Secret">True for <c>AddParameter(name, secret: true)</c>: it goes to Secrets Manager, never to a plain variable.</param>
/// <param name="Generated">True when no value was configured and Aspire generated one (a Redis password): the value
/// stored by an earlier deploy is kept instead, so it stays the same from one deploy to the next.</param>
public sealed record ParameterValue(string Name, SecretValue Value, bool Secret, bool Generated);

/// <summary>One piece of a secret's value: text as the model writes it, or a parameter's value.</summary>
/// <param name="Text">Literal text, or null for a parameter.</param>
/// <param name="Parameter">The parameter's name, or null for text.</param>
/// <param name="UriEscaped">The parameter's value is URI-escaped (a password inside a connection URI).</param>
public sealed record SecretPart(string? Text, string? Parameter, bool UriEscaped = false)
{
    /// <summary>A piece of literal text.</summary>
    /// <param name="text">The text.</param>
    public static SecretPart Literal(string text) => new(text, null);

    /// <summary>A parameter's value.</summary>
    /// <param name="name">The parameter.</param>
    /// <param name="uriEscaped">Whether the value is URI-escaped.</param>
    public static SecretPart Of(string name, bool uriEscaped = false) => new(null, name, uriEscaped);
}

/// <summary>
/// One Secrets Manager secret the deployment stores: a secret parameter (named after it, shared by every service
/// that reads it), or a variable whose value embeds one (a connection string with a password; named after the
/// service and the variable).
/// </summary>
/// <param name="Name">The Secrets Manager name, under <c>{app}/{environment}/</c> (see <see cref="AwsNames.ParameterSecret"/>).</param>
/// <param name="Owner">The service it was made for; null for a parameter's secret.</param>
/// <param name="Parts">What its value is made of.</param>
/// <param name="ReadBy">The services whose tasks read it, by resource name.</param>
/// <param name="Source">Where the value comes from, for the plan (e.g. <c>parameter api-key</c>).</param>
public sealed record SecretDescription(string Name, string? Owner, IReadOnlyList<SecretPart> Parts, IReadOnlyList<string> ReadBy, string Source)
{
    /// <summary>The value, from the parts and the parameters' values.</summary>
    /// <param name="parameters">The parameters by name.</param>
    /// <exception cref="KeyNotFoundException">A part names a parameter that is not given.</exception>
    public SecretValue Render(IReadOnlyDictionary<string, ParameterValue> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var text = new StringBuilder();
        foreach (var part in Parts)
        {
            if (part.Parameter is not { } name)
            {
                text.Append(part.Text);
                continue;
            }

            var value = parameters.TryGetValue(name, out var parameter)
                ? parameter.Value.Reveal()
                : throw new KeyNotFoundException($"Secret {Name} is made from parameter '{name}', which the deployment does not carry.");
            text.Append(part.UriEscaped ? Uri.EscapeDataString(value) : value);
        }

        return new SecretValue(text.ToString());
    }
}
