// The one application model: run locally with `dotnet run --project AppHost`.
var builder = DistributedApplication.CreateBuilder(args);

// Where `aspire deploy` (or `--operation publish --step deploy`) puts the app: ECS on Fargate behind an ALB.
builder.AddAwsEcsEnvironment("aws");

// Locally node-app listens on 127.0.0.1:4000 (the walkthrough's port) and its inspector on 9229; `--NodeApp:Port=0`
// and `--NodeApp:InspectorPort=0` take free ports instead (tests, a second working copy). Deployed: always 4000.
builder.AddNodeApp("node-app", "../node-app", "src/server.js")
    .WithHttpEndpoint(port: builder.GetLocalPort("NodeApp:Port", 4000), env: "PORT", isProxied: false)
    .WithExternalHttpEndpoints()
    .WithServiceDefaults()
    .WithInspector(builder.GetLocalPort("NodeApp:InspectorPort", NodeAppHostingExtensions.DefaultInspectorPort))
    .PublishAsDockerFile()
    .PublishAsEcsService();

builder.Build().Run();
