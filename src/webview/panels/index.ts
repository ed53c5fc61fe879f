import type { PanelDefinition } from './types';
import { ApprovalsPanel } from './Approvals';
import { McpPanel } from './McpPanel';
import { MeshPanel } from './MeshPanel';
import { SessionsPanel } from './Sessions';
import { TasksPanel } from './Tasks';
import { WidgetsPanel } from './WidgetsPanel';

/** The dashboard's panels, in display order. Each capability adds one line here. */
export const panels: PanelDefinition[] = [
  { id: 'approvals', title: 'Approvals', channel: 'approvals', component: ApprovalsPanel },
  { id: 'sessions', title: 'Agent sessions', channel: 'sessions', component: SessionsPanel },
  { id: 'tasks', title: 'Tasks', channel: 'tasks', component: TasksPanel },
  { id: 'mcp', title: 'MCP servers', channel: 'mcp', component: McpPanel },
  { id: 'mesh', title: 'Mesh health', channel: 'mesh', component: MeshPanel },
  { id: 'widgets', title: 'Widgets', channel: 'widgets', component: WidgetsPanel },
];
