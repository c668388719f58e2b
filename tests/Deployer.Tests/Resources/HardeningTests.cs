using Aspire.Deployer.Model;
using Aspire.Deployer.Reporting;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Tests.Infrastructure;
using Aspire.Deployer.Verbs;
using Microsoft.Extensions.Configuration;
using static Aspire.Deployer.Tests.Verbs.ApplyTestKit;
using Ecr = Aspire.Deployer.Aws.Ecr;
using Ecs = Aspire.Deployer.Aws.Ecs;
using Elb = Aspire.Deployer.Aws.ElasticLoadBalancingV2;
using Iam = Aspire.Deployer.Aws.Iam;

namespace Aspire.Deployer.Tests.Resources;

/// <summary>
/// The defaults a real account should get, on moto: every repository's lifecycle policy (Security Hub ECR.3), role
/// trust limited to the account (aws:SourceAccount), the load balancer's access logs when a bucket is given (ELB.5),
/// each converged onto resources made before them, and destroy deleting task definition revisions, not only
/// deregistering them.
/// </summary>
public sealed class HardeningTests
{
    [Fact]
    public async Task Deploy_SetsLifecyclePolicyAndAccountBoundTrust_AndConvergesResourcesMadeWithoutThem()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());
        var names = deployment.Services[0].Names;
        var account = (await session.Sts.GetCallerIdentityAsync()).Account;
        // As an older deploy left them: a repository without a lifecycle policy, a role trusting every account's tasks.
        await session.Ecr.CreateRepositoryAsync(new Ecr.CreateRepositoryRequest { RepositoryName = names.Repository, Tags = [.. names.Tags.Select(t => new Ecr.Tag { Key = t.Key, Value = t.Value })] });
        await session.Iam.CreateRoleAsync(new Iam.CreateRoleRequest
        {
            RoleName = names.TaskRole(MotoServer.Region),
            AssumeRolePolicyDocument = IamRoleKind.TrustPolicy([IamRoleKind.TasksPrincipal]),
            Tags = [.. names.Tags.Select(t => new Iam.Tag { Key = t.Key, Value = t.Value })],
        });

        var plan = await PlanVerb.RunAsync(session, deployment, NetworkSettings.Default);
        var lines = string.Join('\n', plan.ToLines());
        Assert.Contains("lifecycle policy no lifecycle policy → keeps 30 tagged images, untagged 7 days", lines);
        Assert.Contains($"trusted for account (aws:SourceAccount) any → {account}", lines);

        Assert.Equal("succeeded", (await DeployAsync(moto.Endpoint, deployment, Image(deployment))).Result);

        var policy = (await session.Ecr.GetLifecyclePolicyAsync(new Ecr.GetLifecyclePolicyRequest { RepositoryName = names.Repository })).LifecyclePolicyText;
        Assert.True(EcrLifecyclePolicy.Same(policy, EcrLifecyclePolicy.Text), policy);
        foreach (var role in new[] { names.TaskRole(MotoServer.Region), names.ExecutionRole(MotoServer.Region) })
        {
            var document = (await session.Iam.GetRoleAsync(new Iam.GetRoleRequest { RoleName = role })).Role.AssumeRolePolicyDocument;
            Assert.Equal(account, IamRoleKind.SourceAccountOf(document));
        }

        // Converged: the next plan has nothing to change.
        var again = await PlanVerb.RunAsync(session, deployment, NetworkSettings.Default);
        Assert.False(again.HasChanges, string.Join('\n', again.ToLines()));
    }

    [Fact]
    public async Task Deploy_WithAnAccessLogsBucket_TurnsLogsOnAndWithoutItOffAgain()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var app = PlanSamples.UniqueApp();
        var deployment = PlanSamples.Deployment(app) with { AccessLogsBucket = "my-alb-logs" };

        await DeployAsync(moto.Endpoint, deployment, Image(deployment));
        var on = await AttributesAsync(session, deployment);
        Assert.Equal(("true", "my-alb-logs", $"{app}-test"), (on["access_logs.s3.enabled"], on["access_logs.s3.bucket"], on["access_logs.s3.prefix"]));

        var without = deployment with { AccessLogsBucket = null };
        var plan = await PlanVerb.RunAsync(session, without, NetworkSettings.Default);
        Assert.Contains(plan.ToLines(), l => l.Contains("attribute access_logs.s3.enabled true → false", StringComparison.Ordinal));
        await DeployAsync(moto.Endpoint, without, Image(deployment));
        Assert.Equal("false", (await AttributesAsync(session, deployment))["access_logs.s3.enabled"]);
    }

    [Theory]
    [InlineData("arn:aws:s3:::my-logs")]
    [InlineData("s3://my-logs")]
    [InlineData("My_Logs")]
    [InlineData("ab")]
    public void Settings_AccessLogsBucketThatIsNoBucketName_IsRefusedBeforeAnyCall(string bucket)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create("Aws:AccessLogsBucket", (string?)bucket)]).Build();

        var problem = Assert.Single(Assert.Throws<DeploymentValidationException>(() => AwsSettings.Bind(configuration, ["node-app"])).Problems);
        Assert.Contains($"Aws:AccessLogsBucket '{bucket}' is no S3 bucket name", problem);
        Assert.Contains("give the name alone", problem);
    }

    [Fact]
    public async Task Destroy_DeletesEveryTaskDefinitionRevision()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var deployment = PlanSamples.Deployment(PlanSamples.UniqueApp());
        var family = deployment.Services[0].Names.TaskFamily;
        await DeployAsync(moto.Endpoint, deployment, Image(deployment));
        await DeployAsync(moto.Endpoint, deployment, Image(deployment, "v2"));
        var revisions = await RevisionsAsync(session, family);
        Assert.Equal(2, revisions.Count);
        // One already deregistered, as a rollback or an interrupted destroy leaves it.
        await session.Ecs.DeregisterTaskDefinitionAsync(new Ecs.DeregisterTaskDefinitionRequest { TaskDefinition = revisions[0] });

        var result = await DestroyVerb.RunAsync(session, AppScope.From(deployment), new PlainTextDeployProgress(new StringWriter()), Verbs.DestroySamples.Fast);

        Assert.False(result.IsIncomplete);
        Assert.Equal(2, result.Removed.Count(r => r.Kind == TaskDefinitionKind.Instance));
        Assert.Equal(2, result.Removed.Count(r => r.Kind == TaskDefinitionKind.Instance && r.State == (r.Id == revisions[0] ? "INACTIVE" : "ACTIVE")));
        foreach (var revision in revisions)
        {
            // AWS answers DELETE_IN_PROGRESS until it is gone; moto removes it at once.
            var status = await Record.ExceptionAsync(() => session.Ecs.DescribeTaskDefinitionAsync(new Ecs.DescribeTaskDefinitionRequest { TaskDefinition = revision })) is null
                ? (await session.Ecs.DescribeTaskDefinitionAsync(new Ecs.DescribeTaskDefinitionRequest { TaskDefinition = revision })).TaskDefinition?.Status
                : "gone";
            Assert.Contains(status, new[] { "DELETE_IN_PROGRESS", "gone" });
        }
    }

    private static async Task<List<string>> RevisionsAsync(Deployer.Aws.AwsSession session, string family) =>
        await session.Ecs.ListTaskDefinitionsItemsAsync(new Ecs.ListTaskDefinitionsRequest { FamilyPrefix = family }).ToListAsync();

    private static async Task<Dictionary<string, string>> AttributesAsync(Deployer.Aws.AwsSession session, DeploymentDescription deployment)
    {
        var balancer = (await session.ElbV2.DescribeLoadBalancersAsync(new Elb.DescribeLoadBalancersRequest { Names = [deployment.Services[0].Names.LoadBalancer] })).LoadBalancers!.Single();
        var attributes = await session.ElbV2.DescribeLoadBalancerAttributesAsync(new Elb.DescribeLoadBalancerAttributesRequest { LoadBalancerArn = balancer.LoadBalancerArn! });
        return attributes.Attributes!.ToDictionary(a => a.Key!, a => a.Value!);
    }
}
