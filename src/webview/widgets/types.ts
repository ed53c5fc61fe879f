import type { FunctionComponent } from 'preact';
import type { WidgetData, WidgetType } from '../../shared/widgets';
import type { RelayApi } from '../panels/types';

export interface WidgetProps<T extends WidgetType> {
  id: string;
  data: WidgetData<T>;
  /** Absent where the widget is only shown (no relay calls), e.g. the mesh panel's vitals. */
  api?: RelayApi;
}

export type WidgetComponent<T extends WidgetType> = FunctionComponent<WidgetProps<T>>;
