using System.Collections.Specialized;
using System.Text;
using System.Text.Json;
using System.Web;

namespace Aspire.Deployer.Tests.Infrastructure;

/// <summary>One request as an <see cref="IAwsBehaviour"/> sees it.</summary>
/// <param name="Operation">The operation (X-Amz-Target's last part, or the Query Action).</param>
/// <param name="IsJson">True for awsJson requests, false for the Query protocol.</param>
/// <param name="Body">The raw body.</param>
public sealed record ProxyRequest(string Operation, bool IsJson, byte[] Body)
{
    /// <summary>The body as text.</summary>
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>The form fields of a Query request (empty for JSON).</summary>
    public NameValueCollection Form => IsJson ? [] : HttpUtility.ParseQueryString(Text);

    /// <summary>A top-level string member of a JSON request, or null.</summary>
    /// <param name="name">The member name.</param>
    public string? JsonString(string name)
    {
        if (!IsJson || Body.Length == 0)
        {
            return null;
        }

        using var document = JsonDocument.Parse(Body);
        return document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}

/// <summary>An answer the proxy sends instead of moto's.</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="ContentType">The content type.</param>
/// <param name="Body">The body.</param>
public sealed record AwsAnswer(int Status, string ContentType, string Body)
{
    /// <summary>An awsJson error, as ECS, ECR, Logs and Application Auto Scaling send them.</summary>
    /// <param name="code">The error code (<c>__type</c>).</param>
    /// <param name="message">The message.</param>
    public static AwsAnswer JsonError(string code, string message) =>
        new(400, "application/x-amz-json-1.1", JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = code, ["message"] = message }));

    /// <summary>A Query-protocol error, as IAM and ELBv2 send them.</summary>
    /// <param name="code">The error code.</param>
    /// <param name="message">The message.</param>
    public static AwsAnswer QueryError(string code, string message) =>
        new(400, "text/xml",
            $"""<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{System.Security.SecurityElement.Escape(message)}</Message></Error><RequestId>proxy</RequestId></ErrorResponse>""");
}

/// <summary>
/// One way real AWS behaves that moto does not, imitated by the proxy in front of moto so a test fails without the
/// code that copes with it. Each implementation cites the document or issue thread that describes the behaviour.
/// </summary>
public interface IAwsBehaviour
{
    /// <summary>Answers instead of moto (the call never reaches it), or null to let it through.</summary>
    /// <param name="request">The request.</param>
    AwsAnswer? Before(ProxyRequest request);

    /// <summary>Replaces moto's answer, or null to keep it.</summary>
    /// <param name="request">The request.</param>
    /// <param name="status">moto's HTTP status.</param>
    /// <param name="body">moto's body.</param>
    AwsAnswer? After(ProxyRequest request, int status, byte[] body) => null;
}

/// <summary>
/// A fresh account's ECS service-linked role. Until <c>iam:CreateServiceLinkedRole</c> for ecs.amazonaws.com has
/// been called through the proxy, the role is not there (IAM lists none under its path) and ECS's CreateCluster and
/// CreateService fail with <c>InvalidParameterException: Unable to assume the service linked role. Please verify that
/// the ECS service linked role exists.</c>; the first of them after it was created fails the same way, since ECS
/// cannot assume a role that new (aws/containers-roadmap#2614, hashicorp/terraform-provider-aws#15452, the ECS API
/// reference of CreateCluster). A create of a role that exists gets IAM's <c>InvalidInput: Service role name
/// AWSServiceRoleForECS has been taken in this account</c>, not moto's EntityAlreadyExists.
/// </summary>
/// <param name="alreadyTaken">True for an account where another stack made the role after the deploy read it:
/// reads still show none, and the create is refused as "has been taken".</param>
public sealed class FreshAccountServiceLinkedRole(bool alreadyTaken = false) : IAwsBehaviour
{
    /// <summary>The ECS service principal.</summary>
    public const string EcsService = "ecs.amazonaws.com";

    private const string NotAssumable = "Unable to assume the service linked role. Please verify that the ECS service linked role exists.";
    private int _created;
    private int _racesLeft = 1;

    /// <summary>How many ECS calls were refused with the error above.</summary>
    public int Refused { get; private set; }

    /// <inheritdoc />
    public AwsAnswer? Before(ProxyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Operation == "CreateServiceLinkedRole" && request.Form["AWSServiceName"] == EcsService)
        {
            var taken = alreadyTaken || Volatile.Read(ref _created) == 1;
            Interlocked.Exchange(ref _created, 1);
            return taken ? AwsAnswer.QueryError("InvalidInput", "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix.") : null;
        }

        if (request.IsJson && request.Operation is "CreateCluster" or "CreateService"
            && (Volatile.Read(ref _created) == 0 || Interlocked.Decrement(ref _racesLeft) >= 0))
        {
            Refused++;
            return AwsAnswer.JsonError("InvalidParameterException", NotAssumable);
        }

        return null;
    }

    /// <inheritdoc />
    public AwsAnswer? After(ProxyRequest request, int status, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(request);
        // moto may hold the role from another test: on a fresh account IAM lists none until it is made here.
        if (request.Operation == "ListRoles" && request.Form["PathPrefix"] == $"/aws-service-role/{EcsService}/" && (alreadyTaken || Volatile.Read(ref _created) == 0))
        {
            return new AwsAnswer(200, "text/xml",
                """<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListRolesResult><IsTruncated>false</IsTruncated><Roles/></ListRolesResult><ResponseMetadata><RequestId>proxy</RequestId></ResponseMetadata></ListRolesResponse>""");
        }

        // moto refuses a second create with EntityAlreadyExists; IAM says "has been taken".
        return request.Operation == "CreateServiceLinkedRole" && status >= 400 && Encoding.UTF8.GetString(body).Contains("EntityAlreadyExists", StringComparison.Ordinal)
            ? AwsAnswer.QueryError("InvalidInput", "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix.")
            : null;
    }
}

/// <summary>Refuses every call of one operation with an error, as AWS does for a call the credentials may not make.</summary>
/// <param name="operation">The operation, e.g. <c>CreateCluster</c>.</param>
/// <param name="code">The error code, e.g. <c>AccessDeniedException</c>.</param>
/// <param name="message">The message.</param>
public sealed class Refuse(string operation, string code, string message) : IAwsBehaviour
{
    /// <inheritdoc />
    public AwsAnswer? Before(ProxyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Operation != operation ? null : request.IsJson ? AwsAnswer.JsonError(code, message) : AwsAnswer.QueryError(code, message);
    }
}

/// <summary>
/// ECS reports a service's deployment configuration and, for a load-balanced service, its health-check grace period
/// in DescribeServices (ECS API reference, Service data type); moto 5.2 drops both. The proxy remembers what
/// CreateService and UpdateService set and adds it to DescribeServices answers, as ECS would show it.
/// </summary>
public sealed class ReportsServiceSettings : IAwsBehaviour
{
    private readonly Dictionary<string, System.Text.Json.Nodes.JsonObject> _settings = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public AwsAnswer? Before(ProxyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.IsJson && request.Operation is "CreateService" or "UpdateService"
            && System.Text.Json.Nodes.JsonNode.Parse(request.Body) is System.Text.Json.Nodes.JsonObject sent
            && (sent["serviceName"] ?? sent["service"])?.GetValue<string>() is { } name)
        {
            lock (_gate)
            {
                var known = _settings.TryGetValue(name, out var k) ? k : _settings[name] = [];
                foreach (var key in (string[])["healthCheckGracePeriodSeconds", "deploymentConfiguration"])
                {
                    if (sent[key] is { } value)
                    {
                        known[key] = value.DeepClone();
                    }
                }
            }
        }

        return null;
    }

    /// <inheritdoc />
    public AwsAnswer? After(ProxyRequest request, int status, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Operation != "DescribeServices" || status != 200 || System.Text.Json.Nodes.JsonNode.Parse(body) is not System.Text.Json.Nodes.JsonObject answer)
        {
            return null;
        }

        lock (_gate)
        {
            foreach (var service in answer["services"]?.AsArray().OfType<System.Text.Json.Nodes.JsonObject>() ?? [])
            {
                if (service["serviceName"]?.GetValue<string>() is { } name && _settings.TryGetValue(name, out var known))
                {
                    foreach (var (key, value) in known)
                    {
                        service[key] ??= value!.DeepClone();
                    }
                }
            }
        }

        return new AwsAnswer(200, "application/x-amz-json-1.1", answer.ToJsonString());
    }
}

/// <summary>
/// IAM's eventual consistency: for a while after CreateRole or AttachRolePolicy, GetRole does not find the role yet
/// and ECS refuses to be passed it (RegisterTaskDefinition: AccessDeniedException for iam:PassRole on the role just
/// made, terraform-aws-modules/terraform-aws-ecs#414; IAM User Guide, "Changes that I make are not always immediately
/// visible"). moto is consistent at once.
/// </summary>
/// <param name="hiddenFor">How long GetRole does not find a new role.</param>
/// <param name="refusedFor">How long ECS refuses to be passed a new or changed role.</param>
public sealed class IamEventualConsistency(TimeSpan hiddenFor, TimeSpan refusedFor) : IAwsBehaviour
{
    private readonly Dictionary<string, DateTimeOffset> _created = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _changed = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>How many RegisterTaskDefinition calls were refused.</summary>
    public int Refused { get; private set; }

    /// <inheritdoc />
    public AwsAnswer? Before(ProxyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            switch (request.Operation)
            {
                case "CreateRole" when request.Form["RoleName"] is { } created:
                    _created[created] = _changed[created] = now;
                    return null;
                case "AttachRolePolicy" when request.Form["RoleName"] is { } attached:
                    _changed[attached] = now;
                    return null;
                case "GetRole" when request.Form["RoleName"] is { } name && _created.TryGetValue(name, out var at) && now - at < hiddenFor:
                    return AwsAnswer.QueryError("NoSuchEntity", $"The role with name {name} cannot be found.");
                case "RegisterTaskDefinition" when request.IsJson:
                    foreach (var arn in new[] { request.JsonString("executionRoleArn"), request.JsonString("taskRoleArn") }.OfType<string>())
                    {
                        if (_changed.TryGetValue(arn[(arn.LastIndexOf('/') + 1)..], out var changed) && now - changed < refusedFor)
                        {
                            Refused++;
                            return AwsAnswer.JsonError("AccessDeniedException",
                                $"User: arn:aws:iam::123456789012:user/deployer is not authorized to perform: iam:PassRole on resource: {arn}");
                        }
                    }

                    return null;
                default:
                    return null;
            }
        }
    }
}

/// <summary>
/// Cloud Map's refusal to delete a namespace that still holds services: "If the namespace still contains one or more
/// services, the request fails" (AWS Cloud Map API reference, DeleteNamespace), with <c>ResourceInUse</c>. moto
/// deletes it anyway. ECS makes such services for Service Connect; the proxy tracks the ones made and deleted through it.
/// </summary>
public sealed class CloudMapNamespaceInUse : IAwsBehaviour
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _namespaceOfService = new(StringComparer.Ordinal);

    /// <summary>How many DeleteNamespace calls were refused.</summary>
    public int Refused { get; private set; }

    /// <inheritdoc />
    public AwsAnswer? Before(ProxyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Operation == "DeleteNamespace" && request.JsonString("Id") is { } ns && _namespaceOfService.Values.Contains(ns))
        {
            Refused++;
            return AwsAnswer.JsonError("ResourceInUse", "The specified namespace can't be deleted because it contains services.");
        }

        // Cloud Map's DeleteService names the service by "Id" (ECS's by "service").
        if (request.Operation == "DeleteService" && request.JsonString("Id") is { } id)
        {
            _namespaceOfService.TryRemove(id, out _);
        }

        return null;
    }

    /// <inheritdoc />
    public AwsAnswer? After(ProxyRequest request, int status, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Operation == "CreateService" && status == 200 && request.JsonString("NamespaceId") is { } ns)
        {
            using var answer = JsonDocument.Parse(body);
            _namespaceOfService[answer.RootElement.GetProperty("Service").GetProperty("Id").GetString()!] = ns;
        }

        return null;
    }
}
