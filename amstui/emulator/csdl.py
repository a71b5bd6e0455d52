# ruff: noqa: E501  (the CSDL document is XML: its lines are as long as they are)
"""The `$metadata` document (CSDL). No public copy of AMS's exists; this one is written from the
entity reference (ams-v2-rest.md §3) in the namespace AMS used."""

from __future__ import annotations

from amstui.ams.model import NAMESPACE

_JOB = """
      <EntityType Name="Job">
        <Key><PropertyRef Name="Id" /></Key>
        <Property Name="Id" Type="Edm.String" Nullable="false" />
        <Property Name="Name" Type="Edm.String" />
        <Property Name="Created" Type="Edm.DateTime" Nullable="false" />
        <Property Name="LastModified" Type="Edm.DateTime" Nullable="false" />
        <Property Name="EndTime" Type="Edm.DateTime" />
        <Property Name="Priority" Type="Edm.Int32" Nullable="false" />
        <Property Name="RunningDuration" Type="Edm.Double" Nullable="false" />
        <Property Name="StartTime" Type="Edm.DateTime" />
        <Property Name="State" Type="Edm.Int32" Nullable="false" />
        <Property Name="TemplateId" Type="Edm.String" />
        <Property Name="JobNotificationSubscriptions" Type="Collection(NS.JobNotificationSubscription)" Nullable="false" />
        <NavigationProperty Name="Tasks" Relationship="NS.Job_Tasks" ToRole="Tasks" FromRole="Job" />
        <NavigationProperty Name="InputMediaAssets" Relationship="NS.Job_InputMediaAssets" ToRole="InputMediaAssets" FromRole="Job" />
        <NavigationProperty Name="OutputMediaAssets" Relationship="NS.Job_OutputMediaAssets" ToRole="OutputMediaAssets" FromRole="Job" />
      </EntityType>"""

_TASK = """
      <EntityType Name="Task">
        <Key><PropertyRef Name="Id" /></Key>
        <Property Name="Id" Type="Edm.String" Nullable="false" />
        <Property Name="Configuration" Type="Edm.String" />
        <Property Name="EndTime" Type="Edm.DateTime" />
        <Property Name="ErrorDetails" Type="Collection(NS.ErrorDetail)" Nullable="false" />
        <Property Name="HistoricalEvents" Type="Collection(NS.TaskHistoricalEvent)" Nullable="false" />
        <Property Name="MediaProcessorId" Type="Edm.String" />
        <Property Name="Name" Type="Edm.String" />
        <Property Name="PerfMessage" Type="Edm.String" />
        <Property Name="Priority" Type="Edm.Int32" Nullable="false" />
        <Property Name="Progress" Type="Edm.Double" Nullable="false" />
        <Property Name="RunningDuration" Type="Edm.Double" Nullable="false" />
        <Property Name="StartTime" Type="Edm.DateTime" />
        <Property Name="State" Type="Edm.Int32" Nullable="false" />
        <Property Name="TaskBody" Type="Edm.String" />
        <Property Name="Options" Type="Edm.Int32" Nullable="false" />
        <Property Name="EncryptionKeyId" Type="Edm.String" />
        <Property Name="EncryptionScheme" Type="Edm.String" />
        <Property Name="EncryptionVersion" Type="Edm.String" />
        <Property Name="InitializationVector" Type="Edm.String" />
        <Property Name="TaskNotificationSubscriptions" Type="Collection(NS.TaskNotificationSubscription)" Nullable="false" />
        <NavigationProperty Name="OutputMediaAssets" Relationship="NS.Task_OutputMediaAssets" ToRole="OutputMediaAssets" FromRole="Task" />
        <NavigationProperty Name="InputMediaAssets" Relationship="NS.Task_InputMediaAssets" ToRole="InputMediaAssets" FromRole="Task" />
      </EntityType>"""

_COMPLEX = """
      <ComplexType Name="ErrorDetail">
        <Property Name="Code" Type="Edm.String" />
        <Property Name="Message" Type="Edm.String" />
      </ComplexType>
      <ComplexType Name="TaskHistoricalEvent">
        <Property Name="Code" Type="Edm.String" />
        <Property Name="Message" Type="Edm.String" />
        <Property Name="TimeStamp" Type="Edm.DateTime" Nullable="false" />
      </ComplexType>
      <ComplexType Name="JobNotificationSubscription">
        <Property Name="NotificationEndPointId" Type="Edm.String" />
        <Property Name="TargetJobState" Type="Edm.Int32" Nullable="false" />
      </ComplexType>
      <ComplexType Name="TaskNotificationSubscription">
        <Property Name="IncludeTaskProgress" Type="Edm.Boolean" Nullable="false" />
        <Property Name="NotificationEndPointId" Type="Edm.String" />
        <Property Name="TargetTaskState" Type="Edm.Int32" Nullable="false" />
      </ComplexType>
      <EntityType Name="Asset">
        <Key><PropertyRef Name="Id" /></Key>
        <Property Name="Id" Type="Edm.String" Nullable="false" />
        <Property Name="State" Type="Edm.Int32" Nullable="false" />
        <Property Name="Created" Type="Edm.DateTime" Nullable="false" />
        <Property Name="LastModified" Type="Edm.DateTime" Nullable="false" />
        <Property Name="Name" Type="Edm.String" />
        <Property Name="Options" Type="Edm.Int32" Nullable="false" />
      </EntityType>"""

_CONTAINER = """
      <EntityContainer Name="MediaContext" m:IsDefaultEntityContainer="true">
        <EntitySet Name="Jobs" EntityType="NS.Job" />
        <EntitySet Name="Tasks" EntityType="NS.Task" />
        <EntitySet Name="Assets" EntityType="NS.Asset" />
        <FunctionImport Name="CancelJob" m:HttpMethod="GET">
          <Parameter Name="jobid" Type="Edm.String" Mode="In" />
        </FunctionImport>
      </EntityContainer>"""


def metadata_document() -> str:
    body = (_JOB + _TASK + _COMPLEX + _CONTAINER).replace("NS.", NAMESPACE + ".")
    return (
        '<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n'
        '<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx">\n'
        '  <edmx:DataServices m:DataServiceVersion="3.0" m:MaxDataServiceVersion="3.0" '
        'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">\n'
        f'    <Schema Namespace="{NAMESPACE}" '
        'xmlns="http://schemas.microsoft.com/ado/2009/11/edm">'
        f"{body}\n    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>\n"
    )
