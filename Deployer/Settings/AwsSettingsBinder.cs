using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Aspire.Deployer.Images;
using Aspire.Deployer.Model;
using Microsoft.Extensions.Configuration;

namespace Aspire.Deployer.Settings;

/// <summary>
/// Binds <see cref="AwsSettings"/> from configuration, by reflection over its <see cref="AwsSettingAttribute"/>
/// properties and <see cref="EcsServiceOptions"/>, so the record is the one list of keys. Every key found under
/// <c>Aws</c> is checked against that list first; the messages name the closest known key.
/// </summary>
internal static partial class AwsSettingsBinder
{
    private static readonly PropertyInfo[] SettingProperties =
        [.. typeof(AwsSettings).GetProperties().Where(p => p.GetCustomAttribute<AwsSettingAttribute>() is not null)];

    private static readonly KeyNode Root = BuildRoot();

    /// <summary>Every documented key in declaration order.</summary>
    public static IReadOnlyList<string> DocumentedKeys { get; } = [.. Root.Leaves(AwsSettings.SectionName)];

    public static AwsSettings Bind(IConfiguration configuration, IReadOnlyCollection<string>? services, Func<string, string?>? environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(AwsSettings.SectionName);
        var problems = new List<string>();
        CheckKeys(section, services, problems);

        var settings = new AwsSettings();
        foreach (var property in SettingProperties)
        {
            var value = ReadSetting(section.GetSection(property.Name), property.PropertyType, problems);
            if (value is not null)
            {
                property.SetValue(settings, value);
            }
        }

        settings = settings with { Services = ReadServices(section.GetSection(AwsSettings.ServicesKey), services, problems) };
        CheckRanges(settings, problems);
        CheckDayTwo(settings, services, problems);
        settings = WithRegistryCredentials(settings, environment, problems);
        return problems.Count > 0 ? throw new DeploymentValidationException(problems) : settings;
    }

    private static void CheckKeys(IConfigurationSection section, IReadOnlyCollection<string>? services, List<string> problems)
    {
        foreach (var child in section.GetChildren())
        {
            if (!Root.Children!.TryGetValue(child.Key, out var node))
            {
                problems.Add(Unknown(child, Root.Children.Keys));
            }
            else if (node.AnyName is { } service)
            {
                CheckServices(child, service, services, problems);
            }
            else
            {
                CheckNode(child, node, problems);
            }
        }
    }

    private static void CheckServices(IConfigurationSection servicesSection, KeyNode service, IReadOnlyCollection<string>? services, List<string> problems)
    {
        foreach (var child in servicesSection.GetChildren())
        {
            if (services is not null && !services.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                var known = services.Count == 0 ? "none" : string.Join(", ", services);
                problems.Add($"{FirstKey(child)} is set, but the AppHost deploys no resource named '{child.Key}' (it deploys: {known})." +
                             Suggestion(child, services) + " Fix the name, or remove the setting.");
                continue;
            }

            CheckNode(child, service, problems);
        }
    }

    private static void CheckNode(IConfigurationSection section, KeyNode node, List<string> problems)
    {
        if (node.IsList)
        {
            foreach (var item in section.GetChildren().Where(c => !int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                problems.Add($"{FirstKey(item)} is not a setting: {section.Path} is a list (set {section.Path}:0, {section.Path}:1, ... or one comma-separated value).");
            }

            return;
        }

        if (node.Children is null)
        {
            if (section.GetChildren().Any())
            {
                problems.Add($"{FirstKey(section.GetChildren().First())} is not a setting: {section.Path} takes a single value.");
            }

            return;
        }

        foreach (var child in section.GetChildren())
        {
            if (!node.Children.TryGetValue(child.Key, out var childNode))
            {
                problems.Add(Unknown(child, node.Children.Keys));
            }
            else
            {
                CheckNode(child, childNode, problems);
            }
        }
    }

    private static object? ReadSetting(IConfigurationSection section, Type type, List<string> problems)
    {
        if (type == typeof(IReadOnlyList<string>))
        {
            var items = section.GetChildren().Select(c => c.Value).ToList();
            if (items.Count == 0 && section.Value is { } joined)
            {
                items = [.. joined.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            }

            List<string> list = [.. items.Select(i => i?.Trim()).OfType<string>().Where(i => i.Length > 0)];
            return list.Count > 0 ? list : null;
        }

        if (string.IsNullOrWhiteSpace(section.Value))
        {
            return null;
        }

        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (SettingValue.TryConvert(target, section.Value.Trim(), out var value))
        {
            return value;
        }

        problems.Add($"{section.Path} is '{section.Value}', which is not {SettingValue.Describe(target)}.");
        return null;
    }

    private static Dictionary<string, IReadOnlyDictionary<string, string?>> ReadServices(
        IConfigurationSection section, IReadOnlyCollection<string>? services, List<string> problems)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, string?>>(StringComparer.OrdinalIgnoreCase);
        foreach (var service in section.GetChildren())
        {
            if (services is not null && !services.Contains(service.Key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var values = service.AsEnumerable(makePathsRelative: true).Where(v => v.Value is not null)
                .ToDictionary(v => v.Key, v => v.Value, StringComparer.OrdinalIgnoreCase);
            var bad = values.Where(v => !ValueFits(typeof(EcsServiceOptions), v.Key, v.Value!)).ToList();
            foreach (var (key, value) in bad)
            {
                problems.Add($"{service.Path}:{key} is '{value}', which is not {SettingValue.Describe(LeafType(typeof(EcsServiceOptions), key)!)}.");
            }

            result[service.Key] = values;
            // Unknown keys are reported by CheckKeys; binding them would only add a confusing second message.
            if (bad.Count == 0 && values.Keys.All(k => LeafType(typeof(EcsServiceOptions), k) is not null))
            {
                try
                {
                    new AwsSettings { Services = result }.ServiceOptions(service.Key, new EcsServiceOptions());
                }
                catch (InvalidOperationException e)
                {
                    problems.Add($"{service.Path}: {e.Message} Set every part it needs (for AutoScaling: MinCount and MaxCount).");
                }
            }
        }

        return result;
    }

    private static void CheckRanges(AwsSettings settings, List<string> problems)
    {
        void Positive(double? value, string name)
        {
            if (value is <= 0 or double.NaN)
            {
                problems.Add($"{AwsSettings.SectionName}:{name} must be a positive number, not {value.Value.ToString(CultureInfo.InvariantCulture)}.");
            }
        }

        Positive(settings.DeployTimeoutMinutes, nameof(AwsSettings.DeployTimeoutMinutes));
        Positive(settings.DeployPollSeconds, nameof(AwsSettings.DeployPollSeconds));
        Positive(settings.SmokeTestTimeoutSeconds, nameof(AwsSettings.SmokeTestTimeoutSeconds));
        if (settings.IamSettleSeconds is < 0 or double.NaN)
        {
            problems.Add($"{AwsSettings.SectionName}:{nameof(AwsSettings.IamSettleSeconds)} must be 0 or more, not {settings.IamSettleSeconds.Value.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (settings.AccessLogsBucket is { } bucket && !BucketName().IsMatch(bucket))
        {
            problems.Add($"{AwsSettings.SectionName}:{nameof(AwsSettings.AccessLogsBucket)} '{bucket}' is no S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens, " +
                         "starting and ending with a letter or digit); give the name alone, not an ARN or s3:// URL.");
        }

        Positive(settings.CertificateTimeoutMinutes, nameof(AwsSettings.CertificateTimeoutMinutes));
        CheckFrontDoor(settings, problems);
        if (settings.StatusEvents is < 0)
        {
            problems.Add($"{AwsSettings.SectionName}:{nameof(AwsSettings.StatusEvents)} must be 0 or more, not {settings.StatusEvents}.");
        }
    }

    // The logs and rollback keys: a readable start time, a revision number, a resource the model has.
    private static void CheckDayTwo(AwsSettings settings, IReadOnlyCollection<string>? services, List<string> problems)
    {
        if (settings.LogsSince is { } since && !LogsOptions.TryParseSince(since, DateTimeOffset.UtcNow, out _))
        {
            problems.Add(LogsOptions.SinceProblem(since));
        }

        if (settings.RollbackTo is < 1)
        {
            problems.Add($"{AwsSettings.SectionName}:{nameof(AwsSettings.RollbackTo)} must be a task definition revision number (1 or more), not {settings.RollbackTo}.");
        }

        foreach (var (value, name) in new[] { (settings.CostAssumedLcu, nameof(AwsSettings.CostAssumedLcu)), (settings.CostAssumedLogGb, nameof(AwsSettings.CostAssumedLogGb)) })
        {
            if (value is < 0 or double.NaN)
            {
                problems.Add($"{AwsSettings.SectionName}:{name} must be 0 or more, not {value.Value.ToString(CultureInfo.InvariantCulture)}.");
            }
        }

        foreach (var (value, name) in new[] { (settings.LogsService, nameof(AwsSettings.LogsService)), (settings.RollbackService, nameof(AwsSettings.RollbackService)) })
        {
            if (value is not null && services is not null && !services.Contains(value, StringComparer.OrdinalIgnoreCase))
            {
                var closest = Closest.Match(value, services);
                problems.Add($"{AwsSettings.SectionName}:{name} is '{value}', but the AppHost deploys no resource of that name (it deploys: {(services.Count == 0 ? "none" : string.Join(", ", services))})." +
                             (closest is null ? "" : $" Did you mean {closest}?"));
            }
        }
    }

    // These shape the HTTPS front door; without a domain there is none, and silently ignoring them would mislead.
    private static void CheckFrontDoor(AwsSettings settings, List<string> problems)
    {
        if (settings.Domain is not null)
        {
            return;
        }

        var orphans = new (object? Value, string Name)[]
        {
            (settings.HostedZoneId, nameof(AwsSettings.HostedZoneId)), (settings.CertificateArn, nameof(AwsSettings.CertificateArn)),
            (settings.SslPolicy, nameof(AwsSettings.SslPolicy)), (settings.CertificateTimeoutMinutes, nameof(AwsSettings.CertificateTimeoutMinutes)),
        };
        problems.AddRange(orphans.Where(o => o.Value is not null).Select(o =>
            $"{AwsSettings.SectionName}:{o.Name} is set, but it belongs to the HTTPS front door, which needs {AwsSettings.SectionName}:{nameof(AwsSettings.Domain)} " +
            "(for example --Aws:Domain=app.example.com). Set the domain, or remove the setting (for HTTPS on a service's own port use Aws:Services:<name>:CertificateArn)."));
    }

    private static AwsSettings WithRegistryCredentials(AwsSettings settings, Func<string, string?>? environment, List<string> problems)
    {
        if (settings.Registry is null)
        {
            return settings;
        }

        try
        {
            return settings with { RegistryCredentials = RegistryCredentials.FromEnvironment(environment: environment) };
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message);
            return settings;
        }
    }

    private static bool ValueFits(Type type, string key, string value) =>
        string.IsNullOrWhiteSpace(value) || LeafType(type, key) is not { } leaf || SettingValue.TryConvert(leaf, value.Trim(), out _);

    // The type of a (possibly nested, "AutoScaling:MinCount") option key; null when it is no leaf.
    private static Type? LeafType(Type type, string key)
    {
        foreach (var part in key.Split(':'))
        {
            var property = type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                return null;
            }

            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }

        return SettingValue.IsScalar(type) ? type : null;
    }

    private static string Unknown(IConfigurationSection section, IEnumerable<string> siblings)
    {
        var parent = section.Path[..^(section.Key.Length + 1)];
        return $"{FirstKey(section)} is not a setting (there is no '{section.Key}' under {parent}).{Suggestion(section, siblings)} " +
               $"Known keys under {parent}: {string.Join(", ", siblings)}.";
    }

    private static string Suggestion(IConfigurationSection section, IEnumerable<string> candidates)
    {
        var closest = Closest.Match(section.Key, candidates);
        if (closest is null)
        {
            return string.Empty;
        }

        var first = FirstKey(section);
        var prefix = section.Path[..^section.Key.Length];
        return $" Did you mean {prefix}{closest}{first[section.Path.Length..]}?";
    }

    // The first full key at or below the section, e.g. Aws:Servces:node-app:Cpu for the section Aws:Servces.
    private static string FirstKey(IConfigurationSection section) =>
        section.Value is not null
            ? section.Path
            : section.AsEnumerable().Where(v => v.Value is not null).Select(v => v.Key).Order(StringComparer.OrdinalIgnoreCase).FirstOrDefault() ?? section.Path;

    private static KeyNode BuildRoot()
    {
        var children = new Dictionary<string, KeyNode>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in SettingProperties)
        {
            children[property.Name] = property.PropertyType == typeof(IReadOnlyList<string>) ? KeyNode.List : KeyNode.Leaf;
        }

        children[AwsSettings.ServicesKey] = new KeyNode(null, AnyName: KeyNode.Of(typeof(EcsServiceOptions)), AnyNameLabel: "<resource>");
        return new KeyNode(children);
    }

    private sealed record KeyNode(IReadOnlyDictionary<string, KeyNode>? Children, bool IsList = false, KeyNode? AnyName = null, string? AnyNameLabel = null)
    {
        public static KeyNode Leaf { get; } = new((IReadOnlyDictionary<string, KeyNode>?)null);

        public static KeyNode List { get; } = new(null, IsList: true);

        public static KeyNode Of(Type type)
        {
            var children = new Dictionary<string, KeyNode>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                children[property.Name] = SettingValue.IsScalar(propertyType) ? Leaf : Of(propertyType);
            }

            return new KeyNode(children);
        }

        public IEnumerable<string> Leaves(string path)
        {
            if (AnyName is not null)
            {
                return AnyName.Leaves($"{path}:{AnyNameLabel}");
            }

            return Children is null ? [path] : Children.SelectMany(c => c.Value.Leaves($"{path}:{c.Key}"));
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
