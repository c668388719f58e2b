using Aspire.Deployer.Aws.Iam;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Aws.Integration;

public sealed class IamIntegrationTests
{
    private const string ExecutionPolicy = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
    private const string TrustPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}""";

    [Fact]
    public async Task IamOperations_RoundTripAgainstMoto()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var iam = session.Iam;
        var roleName = MotoServer.UniqueName("exec");

        var created = await iam.CreateRoleAsync(new CreateRoleRequest
        {
            RoleName = roleName,
            AssumeRolePolicyDocument = TrustPolicy,
            Description = "node-app execution role",
            Tags = [new Tag { Key = "app", Value = "node-app" }],
        });
        Assert.Equal(roleName, created.Role.RoleName);
        Assert.StartsWith("arn:aws:iam::123456789012:role/", created.Role.Arn, StringComparison.Ordinal);

        var fetched = await iam.GetRoleAsync(new GetRoleRequest { RoleName = roleName });
        Assert.Equal(created.Role.Arn, fetched.Role.Arn);
        Assert.Equal("node-app execution role", fetched.Role.Description);

        await iam.AttachRolePolicyAsync(new AttachRolePolicyRequest { RoleName = roleName, PolicyArn = ExecutionPolicy });
        var attached = await iam.ListAttachedRolePoliciesItemsAsync(new ListAttachedRolePoliciesRequest { RoleName = roleName }).ToListAsync();
        Assert.Equal(ExecutionPolicy, Assert.Single(attached).PolicyArn);

        await iam.TagRoleAsync(new TagRoleRequest { RoleName = roleName, Tags = [new Tag { Key = "env", Value = "test" }] });
        var tags = await iam.ListRoleTagsItemsAsync(new ListRoleTagsRequest { RoleName = roleName }).ToListAsync();
        Assert.Contains(tags, t => t.Key == "app" && t.Value == "node-app");
        Assert.Contains(tags, t => t.Key == "env" && t.Value == "test");

        await iam.DetachRolePolicyAsync(new DetachRolePolicyRequest { RoleName = roleName, PolicyArn = ExecutionPolicy });
        Assert.Empty(await iam.ListAttachedRolePoliciesItemsAsync(new ListAttachedRolePoliciesRequest { RoleName = roleName }).ToListAsync());
        await iam.DeleteRoleAsync(new DeleteRoleRequest { RoleName = roleName });
        var gone = await Assert.ThrowsAsync<AwsApiException>(() => iam.GetRoleAsync(new GetRoleRequest { RoleName = roleName }));
        Assert.Equal("NoSuchEntity", gone.ErrorCode);
    }

    [Fact]
    public async Task ListAttachedRolePolicies_WithMaxItemsOne_FollowsTheMarker()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();
        var roleName = MotoServer.UniqueName("paged");
        await session.Iam.CreateRoleAsync(new CreateRoleRequest { RoleName = roleName, AssumeRolePolicyDocument = TrustPolicy });
        string[] policies =
        [
            ExecutionPolicy,
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        ];
        foreach (var policy in policies)
        {
            await session.Iam.AttachRolePolicyAsync(new AttachRolePolicyRequest { RoleName = roleName, PolicyArn = policy });
        }

        var pages = await session.Iam.ListAttachedRolePoliciesPagesAsync(new ListAttachedRolePoliciesRequest { RoleName = roleName, MaxItems = 1 }).ToListAsync();

        // Three policies, one per page; moto (unlike IAM) may add a final empty page, which the paginator follows.
        Assert.InRange(pages.Count, 3, 4);
        Assert.Equal(policies.Order(StringComparer.Ordinal), pages.SelectMany(p => p.AttachedPolicies!).Select(p => p.PolicyArn).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetRole_OnAMissingRole_GivesNoSuchEntity()
    {
        var moto = await MotoServer.GetAsync();
        using var session = await moto.SessionAsync();

        var error = await Assert.ThrowsAsync<AwsApiException>(() => session.Iam.GetRoleAsync(new GetRoleRequest { RoleName = MotoServer.UniqueName("missing") }));

        Assert.Equal("NoSuchEntity", error.ErrorCode);
        Assert.Equal("IAM", error.Service);
        Assert.Equal("GetRole", error.Operation);
        Assert.Equal(404, error.HttpStatus);
        Assert.Contains("IAM GetRole failed: NoSuchEntity: ", error.Message, StringComparison.Ordinal);
    }
}
