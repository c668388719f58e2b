using System.Reflection;
using System.Text.Json.Nodes;
using Aspire.Deployer.Aws;

namespace Aspire.Deployer.Tests.Aws.Conformance;

/// <summary>
/// Every request record the clients can send (found by reflection through [AwsOperation]) is checked against
/// botocore's official model, serialised by the same code the clients use. A new operation is covered without
/// a new test.
/// </summary>
public sealed class ModelConformanceTests
{
    private static readonly Assembly Deployer = typeof(AwsSession).Assembly;

    public static TheoryData<string> RequestTypes()
    {
        var data = new TheoryData<string>();
        foreach (var type in AllRequestTypes())
        {
            data.Add(type.FullName!);
        }

        return data;
    }

    [Fact]
    public void RequestTypes_CoverEveryOperationTheIssueNames()
    {
        string[] expected =
        [
            "ecs:CreateCluster", "ecs:DescribeClusters", "ecs:DeleteCluster", "ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition",
            "ecs:DeregisterTaskDefinition", "ecs:ListTaskDefinitions", "ecs:CreateService", "ecs:UpdateService", "ecs:DescribeServices",
            "ecs:DeleteService", "ecs:ListTasks", "ecs:DescribeTasks", "ecs:TagResource", "ecs:ListTagsForResource",
            "elbv2:CreateLoadBalancer", "elbv2:DescribeLoadBalancers", "elbv2:DeleteLoadBalancer", "elbv2:CreateTargetGroup",
            "elbv2:DescribeTargetGroups", "elbv2:ModifyTargetGroup", "elbv2:ModifyTargetGroupAttributes", "elbv2:DescribeTargetGroupAttributes",
            "elbv2:DeleteTargetGroup", "elbv2:CreateListener", "elbv2:DescribeListeners", "elbv2:ModifyListener", "elbv2:DeleteListener",
            "elbv2:DescribeTargetHealth", "elbv2:AddTags", "elbv2:DescribeTags",
            "ecr:CreateRepository", "ecr:DescribeRepositories", "ecr:DeleteRepository", "ecr:GetAuthorizationToken", "ecr:DescribeImages",
            "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability", "ecr:TagResource",
            "iam:CreateRole", "iam:GetRole", "iam:AttachRolePolicy", "iam:ListAttachedRolePolicies", "iam:DetachRolePolicy", "iam:DeleteRole",
            "iam:TagRole", "iam:ListRoleTags",
            "logs:CreateLogGroup", "logs:DescribeLogGroups", "logs:PutRetentionPolicy", "logs:DeleteLogGroup", "logs:TagResource", "logs:FilterLogEvents",
            "application-autoscaling:RegisterScalableTarget", "application-autoscaling:DescribeScalableTargets", "application-autoscaling:PutScalingPolicy",
            "application-autoscaling:DescribeScalingPolicies", "application-autoscaling:DeregisterScalableTarget",
            "elbv2:CreateRule", "elbv2:DescribeRules", "elbv2:ModifyRule", "elbv2:DeleteRule", "elbv2:SetRulePriorities",
            "acm:RequestCertificate", "acm:DescribeCertificate", "acm:ListCertificates", "acm:ListTagsForCertificate", "acm:DeleteCertificate",
            "route53:ListHostedZonesByName", "route53:GetHostedZone", "route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets",
            "route53:GetChange",
        ];
        var actual = AllRequestTypes().Select(t => t.GetCustomAttribute<AwsOperationAttribute>()!).Select(a => $"{a.Model}:{a.Operation}").ToHashSet();
        var missing = expected.Where(e => !actual.Contains(e)).ToList();
        Assert.True(missing.Count == 0, "missing: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(RequestTypes))]
    public void FullySampledRequest_MatchesTheOfficialModel(string typeName) => AssertWireRequestValid(typeName, full: true);

    [Theory]
    [MemberData(nameof(RequestTypes))]
    public void RequestWithOnlyItsRequiredMembers_MatchesTheOfficialModel(string typeName) => AssertWireRequestValid(typeName, full: false);

    [Theory]
    [MemberData(nameof(RequestTypes))]
    public void RequestAndResponseRecords_UseOnlyModelMembersWithTheModelsTypes(string typeName)
    {
        var type = Deployer.GetType(typeName, throwOnError: true)!;
        var operation = type.GetCustomAttribute<AwsOperationAttribute>()!;
        var model = BotocoreModels.Get(operation.Model);
        Assert.True(model.HasOperation(operation.Operation), $"{operation.Model} has no operation {operation.Operation}");
        var errors = new List<string>();
        if (model.InputShape(operation.Operation) is { } input)
        {
            CheckRecord(model, type, input, type.Name, errors, []);
        }
        else
        {
            Assert.Empty(AwsShapeReflection.MembersOf(type));
        }

        var responseType = ResponseTypeOf(type);
        if (model.OutputShape(operation.Operation) is { } output)
        {
            CheckRecord(model, responseType, output, responseType.Name, errors, []);
        }
        else
        {
            Assert.Empty(AwsShapeReflection.MembersOf(responseType));
        }

        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
    }

    [Fact]
    public void EveryRequestType_HasAPublicClientMethod()
    {
        var methods = Deployer.GetExportedTypes()
            .Where(t => t.Name.EndsWith("Client", StringComparison.Ordinal))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            .SelectMany(m => m.GetParameters().Take(1).Select(p => p.ParameterType))
            .ToHashSet();
        var orphans = AllRequestTypes().Where(t => !methods.Contains(t)).Select(t => t.FullName).ToList();
        Assert.True(orphans.Count == 0, "no client method takes: " + string.Join(", ", orphans));
    }

    [Fact]
    public void EnumConstants_AreValuesOfTheModelsEnums()
    {
        var errors = new List<string>();
        var enumClasses = Deployer.GetTypes()
            .SelectMany(t => t.GetProperties())
            .Select(p => p.GetCustomAttribute<AwsEnumAttribute>()?.ValuesType)
            .OfType<Type>()
            .Distinct();
        var count = 0;
        foreach (var enumClass in enumClasses)
        {
            var model = BotocoreModels.Get(ModelOf(enumClass));
            var shapeName = enumClass.Name.StartsWith("Aws", StringComparison.Ordinal) && !model.Shapes.ContainsKey(enumClass.Name) ? enumClass.Name[3..] : enumClass.Name;
            var allowed = model.Shape(shapeName)["enum"]!.AsArray().Select(v => v!.GetValue<string>()).ToHashSet();
            foreach (var field in enumClass.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
            {
                count++;
                if (!allowed.Contains((string)field.GetRawConstantValue()!))
                {
                    errors.Add($"{enumClass.FullName}.{field.Name} = {field.GetRawConstantValue()} is not in {model.Name} enum {shapeName}");
                }
            }
        }

        Assert.True(count > 100, $"only {count} enum constants found");
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
    }

    [Fact]
    public void ServiceDescriptors_MatchTheModelsMetadata()
    {
        foreach (var service in AwsService.All.Where(s => s.Protocol != AwsProtocol.Ec2))
        {
            var meta = BotocoreModels.Get(service.ModelName).Metadata;
            Assert.Equal(meta["serviceId"]!.GetValue<string>(), service.ServiceId);
            Assert.Equal(meta["endpointPrefix"]!.GetValue<string>(), service.EndpointPrefix);
            Assert.Equal(meta["signingName"]?.GetValue<string>() ?? service.EndpointPrefix, service.SigningName);
            Assert.Equal(meta["apiVersion"]!.GetValue<string>(), service.ApiVersion);
            Assert.Equal(meta["protocol"]!.GetValue<string>(), service.Protocol switch { AwsProtocol.Json => "json", AwsProtocol.RestXml => "rest-xml", _ => "query" });
            Assert.Equal(meta["targetPrefix"]?.GetValue<string>(), service.JsonTargetPrefix);
            if (service != AwsService.Sts)
            {
                // STS goes through AWSSDK.SecurityToken, which uses regional endpoints; IAM is global.
                Assert.Equal(meta["globalEndpoint"] is not null, service.IsGlobal);
            }
        }
    }

    private static void AssertWireRequestValid(string typeName, bool full)
    {
        var type = Deployer.GetType(typeName, throwOnError: true)!;
        var operation = type.GetCustomAttribute<AwsOperationAttribute>()!;
        var service = AwsService.FromModelName(operation.Model);
        var model = BotocoreModels.Get(operation.Model);
        Assert.True(model.HasOperation(operation.Operation), $"{operation.Model} has no operation {operation.Operation}");
        var request = SampleFactory.Create(type, full);
        var input = model.InputShape(operation.Operation);

        List<string> errors;
        if (service.Protocol == AwsProtocol.Json)
        {
            var wire = AwsJsonProtocol.BuildRequest(service, operation.Operation, request);
            Assert.Equal($"{model.Metadata["targetPrefix"]}.{operation.Operation}", wire.Headers["X-Amz-Target"]);
            Assert.Equal($"application/x-amz-json-{model.Metadata["jsonVersion"]}", wire.ContentType);
            var body = JsonNode.Parse(wire.Body);
            errors = input is null ? [] : ModelValidator.ValidateJson(model, input, body);
        }
        else if (service.Protocol == AwsProtocol.RestXml)
        {
            errors = ModelValidator.ValidateRestXml(model, operation.Operation, AwsRestXmlProtocol.BuildRequest(service, request));
        }
        else
        {
            var fields = AwsQueryProtocol.Serialize(service, operation.Operation, request);
            errors = ModelValidator.ValidateQuery(model, operation.Operation, input, fields);
        }

        Assert.True(errors.Count == 0, $"{type.Name} ({(full ? "full" : "required members only")}):{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
    }

    private static void CheckRecord(ServiceModel model, Type type, string shapeName, string path, List<string> errors, HashSet<(Type, string)> seen)
    {
        if (!seen.Add((type, shapeName)))
        {
            return;
        }

        var shape = model.Shape(shapeName);
        if (shape["type"]!.GetValue<string>() != "structure")
        {
            errors.Add($"{path}: {type.Name} is a record but {shapeName} is a {shape["type"]}");
            return;
        }

        var members = shape["members"]?.AsObject() ?? [];
        var required = shape["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToHashSet() ?? [];
        foreach (var member in AwsShapeReflection.MembersOf(type))
        {
            if (!members.ContainsKey(member.WireName))
            {
                errors.Add($"{path}.{member.Property.Name}: {shapeName} has no member '{member.WireName}'");
                continue;
            }

            if (required.Contains(member.WireName) != SampleFactory.IsRequired(member.Property))
            {
                errors.Add($"{path}.{member.Property.Name}: the model says required={required.Contains(member.WireName)} but the record says otherwise");
            }

            CheckType(model, member.Property.PropertyType, members[member.WireName]!["shape"]!.GetValue<string>(), $"{path}.{member.Property.Name}", errors, seen);
        }
    }

    private static void CheckType(ServiceModel model, Type type, string shapeName, string path, List<string> errors, HashSet<(Type, string)> seen)
    {
        var shapeType = model.Shape(shapeName)["type"]!.GetValue<string>();
        var scalar = Nullable.GetUnderlyingType(type) ?? type;
        Type? expected = shapeType switch
        {
            "string" => typeof(string),
            "integer" => typeof(int),
            "long" => typeof(long),
            "boolean" => typeof(bool),
            "double" or "float" => typeof(double),
            "timestamp" => typeof(DateTimeOffset),
            "blob" => typeof(byte[]),
            _ => null,
        };
        if (expected is not null)
        {
            if (scalar != expected)
            {
                errors.Add($"{path}: {shapeName} is a {shapeType} but the property is {type.Name}");
            }

            return;
        }

        var shape = model.Shape(shapeName);
        switch (shapeType)
        {
            case "list" when AwsShapeReflection.ListElement(type) is { } element:
                CheckType(model, element, shape["member"]!["shape"]!.GetValue<string>(), path + "[]", errors, seen);
                return;
            case "map" when AwsShapeReflection.MapValue(type) is { } value:
                CheckType(model, value, shape["value"]!["shape"]!.GetValue<string>(), path + "{}", errors, seen);
                return;
            case "structure" when !AwsShapeReflection.IsScalar(type) && AwsShapeReflection.ListElement(type) is null && AwsShapeReflection.MapValue(type) is null:
                CheckRecord(model, type, shapeName, path, errors, seen);
                return;
            default:
                errors.Add($"{path}: {shapeName} is a {shapeType} but the property is {type.Name}");
                return;
        }
    }

    private static IEnumerable<Type> AllRequestTypes() =>
        Deployer.GetTypes().Where(t => t.GetCustomAttribute<AwsOperationAttribute>() is not null).OrderBy(t => t.FullName, StringComparer.Ordinal);

    private static Type ResponseTypeOf(Type requestType) =>
        requestType.GetInterfaces().Single(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IAwsRequest<>)).GetGenericArguments()[0];

    private static string ModelOf(Type enumClass)
    {
        var ns = enumClass.Namespace!;
        var request = Deployer.GetTypes().First(t => t.Namespace == ns && t.GetCustomAttribute<AwsOperationAttribute>() is not null);
        return request.GetCustomAttribute<AwsOperationAttribute>()!.Model;
    }
}
