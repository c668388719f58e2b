namespace Aspire.Deployer.Aws;

/// <summary>The wire protocol of an AWS service.</summary>
public enum AwsProtocol
{
    /// <summary>awsJson1_1: POST / with X-Amz-Target and a JSON body (ECS, ECR, CloudWatch Logs, Application Auto Scaling, Secrets Manager, Cloud Map).</summary>
    Json,

    /// <summary>The Query protocol: a form POST with Action and Version, XML answers (ELBv2, IAM, STS).</summary>
    Query,

    /// <summary>EC2's variant of the Query protocol (served by the AWSSDK.EC2 package here).</summary>
    Ec2,

    /// <summary>rest-xml: a method and URI per operation, members in the path, query string, headers or an XML body (Route 53).</summary>
    RestXml,
}

/// <summary>What the Deployer needs to know to call one AWS service: names, protocol, version and endpoint rules.</summary>
/// <param name="DisplayName">The short name used in messages, e.g. <c>ELBv2</c>.</param>
/// <param name="ModelName">The botocore model folder, e.g. <c>elbv2</c>.</param>
/// <param name="ServiceId">The model's serviceId, e.g. <c>Elastic Load Balancing v2</c> (gives AWS_ENDPOINT_URL_&lt;SERVICE_ID&gt;).</param>
/// <param name="EndpointPrefix">The endpoint host prefix, e.g. <c>elasticloadbalancing</c>.</param>
/// <param name="SigningName">The SigV4 service name.</param>
/// <param name="Protocol">The wire protocol.</param>
/// <param name="ApiVersion">The API version (sent as Version by the Query protocol).</param>
/// <param name="JsonTargetPrefix">The X-Amz-Target prefix for JSON services, else null.</param>
/// <param name="IsGlobal">True for services with one global endpoint per partition (IAM, Route 53).</param>
public sealed record AwsService(
    string DisplayName,
    string ModelName,
    string ServiceId,
    string EndpointPrefix,
    string SigningName,
    AwsProtocol Protocol,
    string ApiVersion,
    string? JsonTargetPrefix,
    bool IsGlobal = false)
{
    /// <summary>Amazon Elastic Container Service.</summary>
    public static AwsService Ecs { get; } = new("ECS", "ecs", "ECS", "ecs", "ecs", AwsProtocol.Json, "2014-11-13", "AmazonEC2ContainerServiceV20141113");

    /// <summary>Elastic Load Balancing v2 (Application Load Balancers).</summary>
    public static AwsService ElasticLoadBalancingV2 { get; } = new("ELBv2", "elbv2", "Elastic Load Balancing v2", "elasticloadbalancing", "elasticloadbalancing", AwsProtocol.Query, "2015-12-01", null);

    /// <summary>Amazon Elastic Container Registry.</summary>
    public static AwsService Ecr { get; } = new("ECR", "ecr", "ECR", "api.ecr", "ecr", AwsProtocol.Json, "2015-09-21", "AmazonEC2ContainerRegistry_V20150921");

    /// <summary>AWS Identity and Access Management (global).</summary>
    public static AwsService Iam { get; } = new("IAM", "iam", "IAM", "iam", "iam", AwsProtocol.Query, "2010-05-08", null, IsGlobal: true);

    /// <summary>Amazon CloudWatch Logs.</summary>
    public static AwsService CloudWatchLogs { get; } = new("CloudWatch Logs", "logs", "CloudWatch Logs", "logs", "logs", AwsProtocol.Json, "2014-03-28", "Logs_20140328");

    /// <summary>Application Auto Scaling.</summary>
    public static AwsService ApplicationAutoScaling { get; } = new("Application Auto Scaling", "application-autoscaling", "Application Auto Scaling", "application-autoscaling", "application-autoscaling", AwsProtocol.Json, "2016-02-06", "AnyScaleFrontendService");

    /// <summary>AWS Secrets Manager (the secrets a task definition's <c>secrets</c> reads).</summary>
    public static AwsService SecretsManager { get; } = new("Secrets Manager", "secretsmanager", "Secrets Manager", "secretsmanager", "secretsmanager", AwsProtocol.Json, "2017-10-17", "secretsmanager");

    /// <summary>AWS Cloud Map (the namespace ECS Service Connect names services in).</summary>
    public static AwsService ServiceDiscovery { get; } = new("Cloud Map", "servicediscovery", "ServiceDiscovery", "servicediscovery", "servicediscovery", AwsProtocol.Json, "2017-03-14", "Route53AutoNaming_v20170314");

    /// <summary>AWS Certificate Manager.</summary>
    public static AwsService Acm { get; } = new("ACM", "acm", "ACM", "acm", "acm", AwsProtocol.Json, "2015-12-08", "CertificateManager");

    /// <summary>Amazon Route 53 (global, signed for the partition's first region like IAM).</summary>
    public static AwsService Route53 { get; } = new("Route 53", "route53", "Route 53", "route53", "route53", AwsProtocol.RestXml, "2013-04-01", null, IsGlobal: true);

    /// <summary>Amazon EC2 (through the AWSSDK.EC2 package).</summary>
    public static AwsService Ec2 { get; } = new("EC2", "ec2", "EC2", "ec2", "ec2", AwsProtocol.Ec2, "2016-11-15", null);

    /// <summary>AWS Security Token Service (through the AWSSDK.SecurityToken package).</summary>
    public static AwsService Sts { get; } = new("STS", "sts", "STS", "sts", "sts", AwsProtocol.Query, "2011-06-15", null);

    /// <summary>Every service the Deployer talks to.</summary>
    public static IReadOnlyList<AwsService> All { get; } = [Ecs, ElasticLoadBalancingV2, Ecr, Iam, CloudWatchLogs, ApplicationAutoScaling, SecretsManager, ServiceDiscovery, Acm, Route53, Ec2, Sts];

    /// <summary>The service-specific endpoint variable, e.g. <c>AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2</c>.</summary>
    public string EndpointVariable => "AWS_ENDPOINT_URL_" + ServiceId.ToUpperInvariant().Replace(' ', '_');

    /// <summary>Finds a service by its botocore model name.</summary>
    /// <param name="modelName">E.g. <c>ecs</c>.</param>
    /// <returns>The service.</returns>
    public static AwsService FromModelName(string modelName) =>
        All.FirstOrDefault(s => s.ModelName == modelName) ?? throw new ArgumentException($"Unknown AWS service model '{modelName}'.", nameof(modelName));
}
